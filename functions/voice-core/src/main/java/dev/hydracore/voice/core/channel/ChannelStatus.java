package dev.hydracore.voice.core.channel;

import dev.hydracore.voice.core.JsonStreams;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.provider.Wiring;
import dev.hydracore.voice.core.store.ChannelRecord;
import dev.hydracore.voice.core.store.InstanceRecord;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** The status object every channel route answers with (GET, and POST after setup). */
public record ChannelStatus(
        long activeCalls,
        boolean enabled,
        String phoneNumber,
        String provider,
        String status,
        String webhookUrl,
        OptionalLong maxConcurrentCalls,
        Boolean providerWiring) {

    public static final String ACTIVE = "active";
    public static final String NOT_CONFIGURED = "not_configured";

    public static ChannelStatus of(InstanceRecord instance) {
        return of(instance.channel());
    }

    public static ChannelStatus of(Optional<ChannelRecord> channel) {
        return channel.map(c -> new ChannelStatus(
                        c.activeCalls(),
                        true,
                        c.phoneNumber(),
                        c.provider(),
                        ACTIVE,
                        c.webhookUrl(),
                        c.maxConcurrentCalls(),
                        Wiring.fromJson(c.wiring()).enabled()))
                .orElse(new ChannelStatus(0, false, null, null, NOT_CONFIGURED, null, OptionalLong.empty(), null));
    }

    public String toJson() {
        return toJson(Map.of());
    }

    /** The status object, then (when given) {@code "credentials"}: which are configured, by name (never values). */
    public String toJson(Map<String, Boolean> credentials) {
        return JsonStreams.write(g -> {
            g.writeStartObject();
            g.writeNumberField("active_calls", activeCalls);
            g.writeBooleanField("enabled", enabled);
            g.writeStringField("phone_number", phoneNumber);
            g.writeStringField("provider", provider);
            g.writeStringField("status", status);
            g.writeStringField("webhook_url", webhookUrl);
            // Beside the reference's six fields: null when the channel takes any number of calls.
            if (maxConcurrentCalls.isPresent()) {
                g.writeNumberField("max_concurrent_calls", maxConcurrentCalls.getAsLong());
            } else {
                g.writeNullField("max_concurrent_calls");
            }
            // Whether setup wires the provider (contract, "Provider wiring"); null without a channel.
            if (providerWiring == null) {
                g.writeNullField("provider_wiring");
            } else {
                g.writeBooleanField("provider_wiring", providerWiring);
            }
            if (!credentials.isEmpty()) {
                g.writeObjectFieldStart("credentials");
                for (Map.Entry<String, Boolean> c : credentials.entrySet()) {
                    g.writeBooleanField(c.getKey(), c.getValue());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        });
    }

    public HttpResponse toResponse() {
        return HttpResponse.json(200, toJson());
    }
}
