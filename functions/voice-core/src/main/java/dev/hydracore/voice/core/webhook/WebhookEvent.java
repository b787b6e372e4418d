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
 * @param retellInbound Retell's inbound-call webhook ({@code call_inbound}): no call yet, answered
 *                      with the agent to connect (admitted) or without one (declined)
 * @param admissionId   the admission Retell carries back in the call's metadata, or null
 */
public record WebhookEvent(String callId, CallEvent change, boolean incomingCall, String callerPhone,
                           boolean retellInbound, String admissionId) {
    /** Metadata key under which an admitted Retell call carries its admission id. */
    public static final String ADMISSION_METADATA = "hydra_admission";

    public WebhookEvent(String callId, CallEvent change, boolean incomingCall, String callerPhone) {
        this(callId, change, incomingCall, callerPhone, false, null);
    }

    public static WebhookEvent retellInbound(String callerPhone) {
        return new WebhookEvent(null, null, false, callerPhone, true, null);
    }

    /** Call ids become part of a DynamoDB sort key; '#' (our key separator) and anything odd are refused. */
    public static final Pattern CALL_ID = Pattern.compile("[A-Za-z0-9_.:\\-]{1,128}");

    public static WebhookEvent acknowledgeOnly() {
        return new WebhookEvent(null, null, false, null);
    }

    public boolean changesState() {
        return change != null;
    }
}
