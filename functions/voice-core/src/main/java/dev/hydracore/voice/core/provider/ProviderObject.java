package dev.hydracore.voice.core.provider;

/**
 * A provider object setup changes, by kind; the fields it sets on each, by the provider's own
 * names. Values pass through the wiring as text: Twilio's as the form values they are, Retell's as
 * canonical JSON (so "still ours" is a plain string comparison).
 */
public enum ProviderObject {
    /** A Twilio IncomingPhoneNumber: found by its E.164 number, changed by its PN sid. */
    TWILIO_NUMBER("twilio_number", "VoiceUrl", "VoiceMethod", "StatusCallback", "StatusCallbackMethod"),
    /** A Retell phone number: found and changed by its E.164 number. */
    RETELL_NUMBER("retell_number", "inbound_agents", "inbound_webhook_url"),
    /** A Retell agent: found and changed by its agent id. */
    RETELL_AGENT("retell_agent", "webhook_url");

    private final String wire;
    private final java.util.List<String> fields;

    ProviderObject(String wire, String... fields) {
        this.wire = wire;
        this.fields = java.util.List.of(fields);
    }

    public String wire() {
        return wire;
    }

    /** The fields setup sets (and teardown restores) on this kind of object. */
    public java.util.List<String> fields() {
        return fields;
    }

    public static ProviderObject fromWire(String wire) {
        for (ProviderObject o : values()) {
            if (o.wire.equals(wire)) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown provider object kind");
    }
}
