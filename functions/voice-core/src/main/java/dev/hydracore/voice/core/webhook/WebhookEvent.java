package dev.hydracore.voice.core.webhook;

import dev.hydracore.voice.core.calls.CallEvent;
import java.util.regex.Pattern;

/**
 * A verified provider request, parsed: which call it concerns and what it says about it.
 *
 * @param callId        the call, or null for events we only acknowledge
 * @param change        what the event means for the call, or null to acknowledge without a change
 * @param incomingCall  Twilio's incoming-call request, answered with TwiML
 * @param caller        the caller's number, when the event names one
 */
public record WebhookEvent(String callId, CallEvent change, boolean incomingCall, String callerPhone) {
    /** Call ids become part of a DynamoDB sort key; '#' (our key separator) and anything odd are refused. */
    public static final Pattern CALL_ID = Pattern.compile("[A-Za-z0-9_.:\\-]{1,128}");

    public static WebhookEvent acknowledgeOnly() {
        return new WebhookEvent(null, null, false, null);
    }

    public boolean changesState() {
        return change != null;
    }
}
