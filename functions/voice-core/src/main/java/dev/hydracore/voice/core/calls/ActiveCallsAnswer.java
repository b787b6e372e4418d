package dev.hydracore.voice.core.calls;

import dev.hydracore.voice.core.JsonStreams;
import java.util.List;

/** List Active Calls' answer: the active calls, in the order given, as the contract's JSON array. */
public final class ActiveCallsAnswer {
    private ActiveCallsAnswer() {}

    public static String toJson(List<CallRecord> active, long nowMillis) {
        return JsonStreams.write(g -> {
            g.writeStartArray();
            for (CallRecord c : active) {
                g.writeStartObject();
                g.writeStringField("call_id", c.callId());
                g.writeStringField("caller_phone", c.callerPhone());
                g.writeNumberField("duration_seconds", Math.max(0, nowMillis - c.startedAtMillis()) / 1000);
                g.writeStringField("state", c.state().wire());
                g.writeNumberField("transcript_turns", c.turns());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }
}
