package dev.hydracore.voice.core.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.POJONode;
import dev.hydracore.voice.core.calls.CallEvent;
import dev.hydracore.voice.core.calls.CallState;
import dev.hydracore.voice.core.http.ErrorDetail;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Retell's webhook body: {@code {"event": …, "call": {"call_id", "agent_id", "from_number", "transcript_object", …}}}
 * ({@code event_type} accepted in place of {@code event}). A {@code call_ended} or {@code call_analyzed}
 * carries the whole call (transcript, per-word timings, tool calls, latency arrays: MBs for a long
 * call); only the fields below are read, and {@code transcript_object} only counted.
 */
public final class RetellEvents {
    /** The admission ids we hand out (lower-case UUIDs). */
    private static final Pattern ADMISSION_ID =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private static final Map<String, Object> SHAPE = Map.of(
            "event",
            EventFields.KEEP,
            "event_type",
            EventFields.KEEP,
            "call",
            Map.of(
                    "call_id", EventFields.KEEP,
                    "agent_id", EventFields.KEEP,
                    "from_number", EventFields.KEEP,
                    "transcript_object", EventFields.COUNT,
                    "metadata", Map.of(WebhookEvent.ADMISSION_METADATA, EventFields.KEEP)),
            "call_inbound",
            Map.of(
                    "agent_id", EventFields.KEEP,
                    "from_number", EventFields.KEEP));

    private RetellEvents() {}

    public static WebhookEvent parse(byte[] body) {
        JsonNode root = EventFields.object(body, SHAPE);
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
            case "call_inbound" -> {
                return inbound(root, f);
            }
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
        String agentId = f.optionalString(call, "agent_id", "body", "call", "agent_id");
        String callerPhone = f.callerPhone(call, "from_number", "body", "call", "from_number");
        long turns = -1;
        JsonNode transcript = call.get("transcript_object");
        if (transcript != null && !transcript.isNull()) {
            if (transcript instanceof POJONode p && p.getPojo() instanceof EventFields.Counted counted) {
                turns = counted.size();
            } else {
                f.add(ErrorDetail.of("Input should be a valid list", "list_type", "body", "call", "transcript_object"));
            }
        }
        f.check();
        CallEvent change = target == null
                ? CallEvent.transcript(turns, callerPhone)
                : CallEvent.state(target, callerPhone).withTurns(turns);
        return new WebhookEvent(callId, change, false, callerPhone, agentId, false, admissionId(call));
    }

    /** {@code {"event":"call_inbound","call_inbound":{"agent_id"?,"from_number","to_number"}}}: no call id yet. */
    private static WebhookEvent inbound(JsonNode root, EventFields f) {
        JsonNode inbound = root.get("call_inbound");
        if (inbound == null || inbound.isNull()) {
            f.add(ErrorDetail.missing("body", "call_inbound"));
            f.check();
        }
        if (!inbound.isObject()) {
            f.add(ErrorDetail.of("Input should be a valid dictionary", "dict_type", "body", "call_inbound"));
            f.check();
        }
        String callerPhone = f.callerPhone(inbound, "from_number", "body", "call_inbound", "from_number");
        f.check();
        return WebhookEvent.retellInbound(callerPhone);
    }

    /** Our admission id in {@code call.metadata}, when it is one (anything else there is the customer's business). */
    private static String admissionId(JsonNode call) {
        JsonNode v = call.path("metadata").path(WebhookEvent.ADMISSION_METADATA);
        return v.isTextual() && ADMISSION_ID.matcher(v.textValue()).matches() ? v.textValue() : null;
    }
}
