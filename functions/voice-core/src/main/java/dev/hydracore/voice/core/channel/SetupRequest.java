package dev.hydracore.voice.core.channel;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.http.ErrorDetail;
import dev.hydracore.voice.core.http.ValidationException;
import dev.hydracore.voice.core.store.ChannelRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The Setup Voice body, checked field by field the way pydantic checks the reference's model, and
 * merged onto the stored channel. Every problem is collected; {@link #mergeOnto} reports them all
 * in one 422. Messages are fixed sentences: a submitted value is never quoted, whole or in part.
 *
 * <p>Meaning of a field in the body: absent or {@code null} keeps the stored value (on a merge);
 * a string sets it; the empty string {@code ""} clears it (the reference's own default for
 * {@code api_key}, so "" and "not configured" are the same thing).
 */
public final class SetupRequest {
    static final String NOT_AN_OBJECT = "Input should be a valid dictionary or object to extract fields from";
    static final String NOT_A_STRING = "Input should be a valid string";
    static final String TOO_LONG = "String should have at most " + VoiceField.MAX_CHARS + " characters";
    static final String NOT_A_BOOLEAN = "Input should be a valid boolean";
    /** The optional boolean that opts a channel out of provider wiring (contract, "Provider wiring"). */
    public static final String WIRING_FIELD = "provider_wiring";

    static final String CONTROL_CHARACTERS = "Value error, String should not contain control characters";

    /** Valid values sent, by field ("" = clear). */
    private final Map<VoiceField, String> sent;
    /** Fields sent with a value that failed its rule: present, so never also reported missing. */
    private final Set<VoiceField> invalid;

    private final List<ErrorDetail> problems;
    /** {@code max_concurrent_calls} sent: empty keeps the stored limit, {@link CallLimit#REMOVE} removes it. */
    private final OptionalLong limit;
    /** {@code provider_wiring} sent: empty keeps the stored choice (true for a new channel). */
    private final Optional<Boolean> wiring;

    private SetupRequest(
            Map<VoiceField, String> sent,
            Set<VoiceField> invalid,
            List<ErrorDetail> problems,
            OptionalLong limit,
            Optional<Boolean> wiring) {
        this.sent = sent;
        this.invalid = invalid;
        this.problems = problems;
        this.limit = limit;
        this.wiring = wiring;
    }

    /** Reads the body; a JSON value other than an object is the one problem reported at once. */
    public static SetupRequest of(JsonNode body) {
        if (!body.isObject()) {
            throw new ValidationException(ErrorDetail.of(NOT_AN_OBJECT, "model_attributes_type", "body"));
        }
        Map<VoiceField, String> sent = new EnumMap<>(VoiceField.class);
        Set<VoiceField> invalid = EnumSet.noneOf(VoiceField.class);
        List<ErrorDetail> problems = new ArrayList<>();
        for (VoiceField field : VoiceField.values()) {
            JsonNode value = body.get(field.wire());
            if (value == null || value.isNull()) {
                continue;
            }
            ErrorDetail problem = check(field, value);
            if (problem == null) {
                sent.put(field, value.textValue());
            } else {
                invalid.add(field);
                problems.add(problem);
            }
        }
        OptionalLong limit = OptionalLong.empty();
        JsonNode limitValue = body.get(CallLimit.FIELD);
        if (limitValue != null && !limitValue.isNull()) {
            CallLimit.Parsed parsed = CallLimit.parse(limitValue);
            limit = parsed.limit();
            if (parsed.problem() != null) {
                problems.add(parsed.problem());
            }
        }
        Optional<Boolean> wiring = Optional.empty();
        JsonNode wiringValue = body.get(WIRING_FIELD);
        if (wiringValue != null && !wiringValue.isNull()) {
            if (wiringValue.isBoolean()) {
                wiring = Optional.of(wiringValue.booleanValue());
            } else {
                problems.add(ErrorDetail.of(NOT_A_BOOLEAN, "bool_type", "body", WIRING_FIELD));
            }
        }
        return new SetupRequest(sent, invalid, List.copyOf(problems), limit, wiring);
    }

    /** The one problem with a sent value, or null. Order as pydantic: type, length, content, pattern. */
    private static ErrorDetail check(VoiceField field, JsonNode value) {
        if (field == VoiceField.PROVIDER) {
            return value.isTextual()
                            && VoiceProvider.fromWire(value.textValue()).isPresent()
                    ? null
                    : ErrorDetail.of(VoiceProvider.LITERAL_MESSAGE, "literal_error", "body", field.wire());
        }
        if (!value.isTextual()) {
            return ErrorDetail.of(NOT_A_STRING, "string_type", "body", field.wire());
        }
        String s = value.textValue();
        if (s.isEmpty()) {
            return null;
        }
        int chars = s.codePointCount(0, s.length());
        if (chars < field.minChars()) {
            return ErrorDetail.of(
                    "String should have at least " + field.minChars() + " characters",
                    "string_too_short",
                    "body",
                    field.wire());
        }
        if (chars > VoiceField.MAX_CHARS) {
            return ErrorDetail.of(TOO_LONG, "string_too_long", "body", field.wire());
        }
        if (s.codePoints().anyMatch(Character::isISOControl)) {
            return ErrorDetail.of(CONTROL_CHARACTERS, "value_error", "body", field.wire());
        }
        if (field.pattern().isPresent() && !field.pattern().get().matcher(s).matches()) {
            return ErrorDetail.of(
                    "String should match pattern '" + field.pattern().get().pattern() + "'",
                    "string_pattern_mismatch",
                    "body",
                    field.wire());
        }
        return null;
    }

    /**
     * The configuration to store: merged onto {@code stored} when it has the same provider, built
     * from the body alone otherwise (a new channel, or a provider change, which drops the old
     * provider's settings and credentials).
     * Throws one 422 with every format problem and every requirement the merged result misses.
     */
    public MergedSetup mergeOnto(Optional<ChannelRecord> stored) {
        List<ErrorDetail> errors = new ArrayList<>(problems);
        Optional<VoiceProvider> chosen = chosenProvider();
        if (chosen.isEmpty()) {
            // An invalid provider leaves nothing to check the requirements against.
            throw new ValidationException(errors);
        }
        VoiceProvider provider = chosen.get();
        Optional<ChannelRecord> base = stored.filter(c -> provider.wire().equals(c.provider()));

        Map<VoiceField, String> settings = new EnumMap<>(VoiceField.class);
        Set<VoiceField> kept = EnumSet.noneOf(VoiceField.class);
        base.ifPresent(c -> {
            for (VoiceField f : VoiceField.values()) {
                String v =
                        f.kind() == VoiceField.Kind.SETTING && provider.uses(f) ? storedSetting(provider, c, f) : null;
                if (v != null && !v.isEmpty()) {
                    settings.put(f, v);
                }
            }
            for (String name : c.credentialNames()) {
                VoiceField.fromWire(name)
                        .filter(f -> f.credential() && provider.uses(f))
                        .ifPresent(kept::add);
            }
        });
        Map<VoiceField, String> newCredentials = new EnumMap<>(VoiceField.class);
        for (Map.Entry<VoiceField, String> e : sent.entrySet()) {
            VoiceField f = e.getKey();
            if (!provider.uses(f)) {
                continue;
            }
            boolean clear = e.getValue().isEmpty();
            if (f.kind() == VoiceField.Kind.SETTING) {
                if (clear) {
                    settings.remove(f);
                } else {
                    settings.put(f, e.getValue());
                }
            } else if (f.credential()) {
                kept.remove(f);
                if (!clear) {
                    newCredentials.put(f, e.getValue());
                }
            }
        }

        Set<VoiceField> present = EnumSet.noneOf(VoiceField.class);
        present.addAll(settings.keySet());
        present.addAll(newCredentials.keySet());
        present.addAll(kept);
        present.addAll(invalid);
        for (VoiceField f : provider.required()) {
            if (!present.contains(f)) {
                errors.add(ErrorDetail.of(ErrorDetail.FIELD_REQUIRED, "missing", "body", f.wire()));
            }
        }
        for (VoiceProvider.Stage stage : provider.stages()) {
            if (Collections.disjoint(present, stage.choices())) {
                errors.add(ErrorDetail.of(stage.message(), "missing", "body"));
            }
        }
        if (!errors.isEmpty()) {
            throw new ValidationException(errors);
        }
        return new MergedSetup(provider, settings, newCredentials, kept, limit, wiring);
    }

    /**
     * The sent provider, or the reference's default {@code "retell"} when omitted — also on a
     * pipecat channel, where an omitted provider is therefore a change to retell (validated like
     * any other; a pipecat merge names its provider). Empty when the sent one is invalid.
     */
    private Optional<VoiceProvider> chosenProvider() {
        if (invalid.contains(VoiceField.PROVIDER)) {
            return Optional.empty();
        }
        return Optional.of(VoiceProvider.fromWire(sent.getOrDefault(VoiceField.PROVIDER, ""))
                .orElse(VoiceProvider.RETELL));
    }

    /** The clear-text settings a stored channel holds, by the field they came from. */
    private static String storedSetting(VoiceProvider provider, ChannelRecord c, VoiceField f) {
        if (f == provider.phoneField()) {
            return c.phoneNumber();
        }
        return switch (f) {
            case AGENT_ID -> c.agentId();
            case TWILIO_ACCOUNT_SID -> c.twilioAccountSid();
            default -> null;
        };
    }

    @Override
    public String toString() {
        // Field names only: the values may be credentials.
        return "SetupRequest[sent=" + sent.keySet() + ", invalid=" + invalid + ", limit=" + limit + ", wiring=" + wiring
                + "]";
    }
}
