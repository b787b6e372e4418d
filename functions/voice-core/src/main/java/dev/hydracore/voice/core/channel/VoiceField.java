package dev.hydracore.voice.core.channel;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The fields of the Setup Voice body (the reference's request model), in the order their errors
 * are reported, each with its format rule. A credential's wire name is also its name inside the
 * sealed bundle ({@code CredentialVault.open} returns a map keyed by these names), so the webhook
 * verifiers read {@code api_key}, {@code twilio_auth_token} and {@code webhook_secret} from it.
 */
public enum VoiceField {
    PROVIDER("provider", Kind.PROVIDER, 0, null),
    API_KEY("api_key", Kind.CREDENTIAL, 16, null),
    AGENT_ID("agent_id", Kind.SETTING, 0, null),
    PHONE_NUMBER("phone_number", Kind.SETTING, 0, Rules.E164),
    WEBHOOK_SECRET("webhook_secret", Kind.CREDENTIAL, 16, null),
    TWILIO_ACCOUNT_SID("twilio_account_sid", Kind.SETTING, 0, Rules.TWILIO_SID),
    TWILIO_AUTH_TOKEN("twilio_auth_token", Kind.CREDENTIAL, 16, null),
    TWILIO_PHONE_NUMBER("twilio_phone_number", Kind.SETTING, 0, Rules.E164),
    DEEPGRAM_API_KEY("deepgram_api_key", Kind.CREDENTIAL, 0, null),
    CARTESIA_API_KEY("cartesia_api_key", Kind.CREDENTIAL, 0, null),
    ELEVENLABS_API_KEY("elevenlabs_api_key", Kind.CREDENTIAL, 0, null),
    OPENAI_API_KEY("openai_api_key", Kind.CREDENTIAL, 0, null),
    ANTHROPIC_API_KEY("anthropic_api_key", Kind.CREDENTIAL, 0, null),
    GOOGLE_API_KEY("google_api_key", Kind.CREDENTIAL, 0, null);

    /** Every string field's upper bound, in characters (code points, as pydantic counts them). */
    public static final int MAX_CHARS = 4096;

    private static final List<VoiceField> CREDENTIALS =
            Arrays.stream(values()).filter(f -> f.kind == Kind.CREDENTIAL).toList();

    private final String wire;
    private final Kind kind;
    private final int minChars;
    private final Pattern pattern;

    VoiceField(String wire, Kind kind, int minChars, Pattern pattern) {
        this.wire = wire;
        this.kind = kind;
        this.minChars = minChars;
        this.pattern = pattern;
    }

    /** The JSON field name (and, for a credential, its name in the sealed bundle). */
    public String wire() {
        return wire;
    }

    public Kind kind() {
        return kind;
    }

    public boolean credential() {
        return kind == Kind.CREDENTIAL;
    }

    /** Minimum length of a non-empty value; 0 when any length will do. */
    public int minChars() {
        return minChars;
    }

    public Optional<Pattern> pattern() {
        return Optional.ofNullable(pattern);
    }

    /** The credential fields, in report order: what the setup response's {@code credentials} lists. */
    public static List<VoiceField> credentials() {
        return CREDENTIALS;
    }

    public static Optional<VoiceField> fromWire(String name) {
        for (VoiceField f : values()) {
            if (f.wire.equals(name)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** PROVIDER is the literal; SETTING is stored in clear; CREDENTIAL only ever sealed. */
    public enum Kind {
        PROVIDER,
        SETTING,
        CREDENTIAL
    }

    private static final class Rules {
        static final Pattern E164 = Pattern.compile("^\\+[1-9][0-9]{6,14}$");
        static final Pattern TWILIO_SID = Pattern.compile("^AC[0-9a-fA-F]{32}$");
    }
}
