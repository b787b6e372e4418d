package dev.hydracore.voice.testkit;

import java.util.Locale;

/**
 * Retell call events as tests send them: the fields retell-sdk's call model names, the transcript
 * (text, {@code transcript_object}, {@code transcript_with_tool_calls}, word timings; words carry
 * an escaped quote and a two-byte character) grown until the body is about {@code bytes} long.
 */
public final class RetellCallEvents {
    private RetellCallEvents() {}

    /**
     * {@code event} ({@code call_started}: status ongoing, otherwise ended) of {@code callId}
     * answered by {@code agentId} for {@code caller}; {@code bytes} 0 gives an empty transcript.
     */
    public static Event of(String event, String callId, String agentId, String caller, int bytes) {
        StringBuilder turns = new StringBuilder();
        StringBuilder text = new StringBuilder();
        int n = 0;
        double t = 0;
        while (2L * turns.length() + text.length() < bytes) {
            String role = n % 2 == 0 ? "agent" : "user";
            StringBuilder words = new StringBuilder();
            StringBuilder content = new StringBuilder();
            for (int w = 0; w < 12; w++) {
                String word = "word" + (n * 12 + w) + "\u00e9\\\"";
                content.append(w == 0 ? "" : " ").append(word);
                words.append(w == 0 ? "" : ",")
                        .append("{\"word\":\"")
                        .append(word)
                        .append("\",\"start\":")
                        .append(String.format(Locale.ROOT, "%.3f", t))
                        .append(",\"end\":")
                        .append(String.format(Locale.ROOT, "%.3f", t + 0.21))
                        .append('}');
                t += 0.25;
            }
            turns.append(n == 0 ? "" : ",")
                    .append("{\"role\":\"")
                    .append(role)
                    .append("\",\"content\":\"")
                    .append(content)
                    .append("\",\"words\":[")
                    .append(words)
                    .append("]}");
            text.append(role).append(": ").append(content).append("\\n");
            n++;
        }
        String json = "{\"event\":\"" + event + "\",\"call\":{\"call_type\":\"phone_call\",\"from_number\":\"" + caller
                + "\",\"to_number\":\"+14155550100\",\"direction\":\"inbound\",\"call_id\":\"" + callId
                + "\",\"agent_id\":\"" + agentId + "\",\"call_status\":\""
                + (event.equals("call_started") ? "ongoing" : "ended") + "\",\"metadata\":{},"
                + "\"start_timestamp\":1795680000000,\"end_timestamp\":1795681500000,\"disconnection_reason\":\"user_hangup\","
                + "\"transcript\":\"" + text + "\",\"transcript_object\":[" + turns
                + "],\"transcript_with_tool_calls\":[" + turns + "],"
                + "\"latency\":{\"e2e\":{\"p50\":800,\"p90\":1200,\"p95\":1500,\"p99\":2000,\"max\":2500,\"min\":500,"
                + "\"num\":3,\"values\":[500,800,2500]}},\"call_analysis\":{\"call_summary\":\"a call\",\"user_sentiment\":"
                + "\"Positive\",\"call_successful\":true,\"in_voicemail\":false}}}";
        return new Event(json, n);
    }

    /** A call_ended of about {@code bytes}. */
    public static Event callEnded(String callId, String agentId, String caller, int bytes) {
        return of("call_ended", callId, agentId, caller, bytes);
    }

    /** The body, and how many transcript turns it holds. */
    public record Event(String json, int turns) {}
}
