package dev.hydracore.voice.core.channel;

import static dev.hydracore.voice.core.channel.VoiceField.AGENT_ID;
import static dev.hydracore.voice.core.channel.VoiceField.ANTHROPIC_API_KEY;
import static dev.hydracore.voice.core.channel.VoiceField.API_KEY;
import static dev.hydracore.voice.core.channel.VoiceField.CARTESIA_API_KEY;
import static dev.hydracore.voice.core.channel.VoiceField.DEEPGRAM_API_KEY;
import static dev.hydracore.voice.core.channel.VoiceField.ELEVENLABS_API_KEY;
import static dev.hydracore.voice.core.channel.VoiceField.GOOGLE_API_KEY;
import static dev.hydracore.voice.core.channel.VoiceField.OPENAI_API_KEY;
import static dev.hydracore.voice.core.channel.VoiceField.PHONE_NUMBER;
import static dev.hydracore.voice.core.channel.VoiceField.TWILIO_ACCOUNT_SID;
import static dev.hydracore.voice.core.channel.VoiceField.TWILIO_AUTH_TOKEN;
import static dev.hydracore.voice.core.channel.VoiceField.TWILIO_PHONE_NUMBER;
import static dev.hydracore.voice.core.channel.VoiceField.WEBHOOK_SECRET;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What each provider needs to take calls, and which fields it uses at all. Fields a provider does
 * not use are still format-checked when sent, then ignored like unknown fields: nothing is stored
 * that no code path would ever read (least secret material at rest).
 */
public enum VoiceProvider {
    RETELL("retell", PHONE_NUMBER, List.of(API_KEY, AGENT_ID, PHONE_NUMBER), List.of()),
    PIPECAT(
            "pipecat",
            TWILIO_PHONE_NUMBER,
            List.of(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_PHONE_NUMBER, WEBHOOK_SECRET),
            List.of(
                    new Stage("speech-to-text", List.of(DEEPGRAM_API_KEY, OPENAI_API_KEY, GOOGLE_API_KEY)),
                    new Stage("language model", List.of(OPENAI_API_KEY, ANTHROPIC_API_KEY, GOOGLE_API_KEY)),
                    new Stage(
                            "text-to-speech",
                            List.of(CARTESIA_API_KEY, ELEVENLABS_API_KEY, OPENAI_API_KEY, GOOGLE_API_KEY))));

    /** The pydantic message of the {@code provider} literal. */
    public static final String LITERAL_MESSAGE = "Input should be 'retell' or 'pipecat'";

    private final String wire;
    private final VoiceField phoneField;
    private final List<VoiceField> required;
    private final List<Stage> stages;
    private final Set<VoiceField> uses;

    VoiceProvider(String wire, VoiceField phoneField, List<VoiceField> required, List<Stage> stages) {
        this.wire = wire;
        this.phoneField = phoneField;
        this.required = required;
        this.stages = stages;
        EnumSet<VoiceField> u = EnumSet.copyOf(required);
        stages.forEach(s -> u.addAll(s.choices()));
        this.uses = u;
    }

    public String wire() {
        return wire;
    }

    /** The field whose value is the channel's inbound number (status {@code phone_number}). */
    public VoiceField phoneField() {
        return phoneField;
    }

    public List<VoiceField> required() {
        return required;
    }

    public List<Stage> stages() {
        return stages;
    }

    /** Every field this provider stores. */
    public boolean uses(VoiceField field) {
        return uses.contains(field);
    }

    public static Optional<VoiceProvider> fromWire(String s) {
        for (VoiceProvider p : values()) {
            if (p.wire.equals(s)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** A pipeline stage that needs at least one of several keys. */
    public record Stage(String name, List<VoiceField> choices) {
        /** Names the choices (field names only, never values). */
        public String message() {
            StringBuilder b = new StringBuilder("At least one " + name + " key is required: ");
            for (int i = 0; i < choices.size(); i++) {
                if (i > 0) {
                    b.append(i == choices.size() - 1 ? " or " : ", ");
                }
                b.append(choices.get(i).wire());
            }
            return b.toString();
        }
    }
}
