package dev.hydracore.voice.core.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.calls.CallEvent;
import dev.hydracore.voice.core.calls.CallState;
import dev.hydracore.voice.core.http.ErrorDetail;

/**
 * Retell's webhook body: {@code {"event": …, "call": {"call_id", "from_number", "transcript_object", …}}}
 * ({@code event_type} accepted in place of {@code event}).
 */
public final class RetellEvents {
    private RetellEvents() {}

    public static WebhookEvent parse(byte[] body) {
        JsonNode root = EventFields.object(body);
        EventFields f = new EventFields();
        String event = root.hasNonNull("event") || !root.hasNonNull("event_type")
                ? f.requiredString(root, "event", "body", "event")
                : f.requiredString(root, "event_type", "body", "event_type");
        f.check();
        CallState target;
        switch (event) {
            case "call_started" -> target = CallState.IN_PROGRESS;
            case "call_ended" -> target = CallState.ENDED;
            case "transcript_updated" -> target = null;
            default -> {
                // call_analyzed (post-call analysis) and events we do not know change nothing.
                return WebhookEvent.acknowledgeOnly();
            }
        }
        JsonNode call = root.get("call");
        if (call == null || call.isNull()) {
            f.add(ErrorDetail.missing("body", "call"));
            f.check();
        }
        if (!call.isObject()) {
            f.add(ErrorDetail.of("Input should be a valid dictionary", "dict_type", "body", "call"));
            f.check();
        }
        String callId = f.callId(call, "call_id", "body", "call", "call_id");
        String callerPhone = f.optionalString(call, "from_number", "body", "call", "from_number");
        long turns = -1;
        JsonNode transcript = call.get("transcript_object");
        if (transcript != null && !transcript.isNull()) {
            if (transcript.isArray()) {
                turns = transcript.size();
            } else {
                f.add(ErrorDetail.of("Input should be a valid list", "list_type", "body", "call", "transcript_object"));
            }
        }
        f.check();
        CallEvent change = target == null ? CallEvent.transcript(turns, callerPhone) : CallEvent.state(target, callerPhone).withTurns(turns);
        return new WebhookEvent(callId, change, false, callerPhone);
    }
}
