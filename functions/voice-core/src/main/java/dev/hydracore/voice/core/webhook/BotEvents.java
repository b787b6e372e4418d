package dev.hydracore.voice.core.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.calls.CallEvent;
import dev.hydracore.voice.core.calls.CallState;
import dev.hydracore.voice.core.http.ErrorDetail;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The Pipecat bot's events: {@code {"event":"call.started|call.turn|call.ended","event_id":"<uuid>",
 * "call_id":"<CallSid>","caller_phone":"+1…","occurred_at":"<ISO-8601>","turn":{"role":"user|assistant"}}}.
 * A {@code call.turn} adds one turn, once per {@code event_id}, so it needs one.
 */
public final class BotEvents {
    private static final Pattern UUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private static final Map<String, Object> SHAPE = Map.of(
            "event", EventFields.KEEP,
            "event_id", EventFields.KEEP,
            "call_id", EventFields.KEEP,
            "caller_phone", EventFields.KEEP,
            "occurred_at", EventFields.KEEP,
            "turn", Map.of("role", EventFields.KEEP));

    private BotEvents() {}

    public static WebhookEvent parse(byte[] body) {
        JsonNode root = EventFields.object(body, SHAPE);
        EventFields f = new EventFields();
        String event = f.requiredString(root, "event", "body", "event");
        f.check();
        if (!event.equals("call.started") && !event.equals("call.turn") && !event.equals("call.ended")) {
            return WebhookEvent.acknowledgeOnly();
        }
        String callId = f.callId(root, "call_id", "body", "call_id");
        String callerPhone = f.callerPhone(root, "caller_phone", "body", "caller_phone");
        String eventId = event.equals("call.turn")
                ? f.requiredString(root, "event_id", "body", "event_id")
                : f.optionalString(root, "event_id", "body", "event_id");
        if (eventId != null) {
            eventId = f.pattern(eventId, UUID, "body", "event_id");
        }
        String occurredAt = f.optionalString(root, "occurred_at", "body", "occurred_at");
        if (occurredAt != null) {
            try {
                OffsetDateTime.parse(occurredAt);
            } catch (DateTimeParseException e) {
                f.add(ErrorDetail.of(
                        "Input should be a valid datetime", "datetime_from_date_parsing", "body", "occurred_at"));
            }
        }
        JsonNode turn = root.get("turn");
        if (turn != null && !turn.isNull()) {
            if (!turn.isObject()) {
                f.add(ErrorDetail.of("Input should be a valid dictionary", "dict_type", "body", "turn"));
            } else {
                String role = f.optionalString(turn, "role", "body", "turn", "role");
                if (role != null && !role.equals("user") && !role.equals("assistant")) {
                    f.add(ErrorDetail.of(
                            "Input should be 'user' or 'assistant'", "literal_error", "body", "turn", "role"));
                }
            }
        }
        f.check();
        CallEvent change = switch (event) {
            case "call.started" -> CallEvent.state(CallState.IN_PROGRESS, callerPhone);
            case "call.ended" -> CallEvent.state(CallState.ENDED, callerPhone);
            default -> CallEvent.turn(eventId.toLowerCase(Locale.ROOT), callerPhone);
        };
        return new WebhookEvent(callId, change, false, callerPhone);
    }
}
