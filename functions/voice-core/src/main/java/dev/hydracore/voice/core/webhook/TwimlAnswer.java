package dev.hydracore.voice.core.webhook;

import dev.hydracore.voice.core.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/** The TwiML that answers Twilio's incoming-call request. Every value is XML-escaped. */
public final class TwimlAnswer {
    public static final String CONTENT_TYPE = "text/xml";
    static final String UNAVAILABLE = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>"
            + "<Say>Sorry, this line is unavailable right now. Please try again later.</Say><Hangup/></Response>";

    /** The channel is at its max_concurrent_calls: Twilio gives the caller a busy signal and no call is recorded. */
    public static final String REJECT_BUSY =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Reject reason=\"busy\"/></Response>";

    private TwimlAnswer() {}

    /**
     * Connects the call to the Pipecat bot's media stream, telling the bot which instance, caller
     * and call it serves; with no stream URL configured, says the line is unavailable and hangs up.
     */
    public static String forIncomingCall(String streamUrl, String instanceId, String callerPhone, String callId) {
        if (streamUrl == null || streamUrl.isBlank()) {
            return UNAVAILABLE;
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("instance_id", instanceId);
        params.put("caller", callerPhone == null ? "" : callerPhone);
        params.put("call_id", callId);
        StringBuilder x = new StringBuilder(256)
                .append("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Connect>")
                .append("<Stream url=\"")
                .append(escape(streamUrl))
                .append("\">");
        params.forEach((k, v) -> x.append("<Parameter name=\"")
                .append(escape(k))
                .append("\" value=\"")
                .append(escape(v))
                .append("\"/>"));
        return x.append("</Stream></Connect></Response>").toString();
    }

    public static HttpResponse response(String twiml) {
        return HttpResponse.text(200, CONTENT_TYPE, twiml);
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> {
                    // Control characters are not allowed in XML 1.0 attribute values; drop them.
                    if (c >= 0x20 || c == '\t') {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
