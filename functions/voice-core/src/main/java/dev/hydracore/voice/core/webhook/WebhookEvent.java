package dev.hydracore.voice.core.webhook;

import dev.hydracore.voice.core.calls.CallEvent;
import java.util.regex.Pattern;

/**
 * A verified provider request, parsed: which call it concerns and what it says about it.
 *
 * @param callId        the call, or null for events we only acknowledge
 * @param change        what the event means for the call, or null to acknowledge without a change
 * @param incomingCall  Twilio's incoming-call request, answered with TwiML
 * @param callerPhone   the caller's number, when the event names one (at most {@link #MAX_CALLER_PHONE} characters)
 * @param agentId       the Retell agent the call belongs to, when the event names one
 * @param retellInbound Retell's inbound-call webhook ({@code call_inbound}): no call yet, answered
 *                      with the agent to connect (admitted) or without one (declined)
 * @param admissionId   the admission Retell carries back in the call's metadata, or null
 */
public record WebhookEvent(
        String callId,
        CallEvent change,
        boolean incomingCall,
        String callerPhone,
        String agentId,
        boolean retellInbound,
        String admissionId) {
    /** Metadata key under which an admitted Retell call carries its admission id. */
    public static final String ADMISSION_METADATA = "hydra_admission";

    /**
     * The longest caller number kept (E.164 is at most 16 characters; SIP and client identities
     * longer than this are not numbers a list should show). A longer one is stored as no number:
     * the call still counts, List Active Calls shows {@code caller_phone: null}.
     */
    public static final int MAX_CALLER_PHONE = 32;

    /** Call ids become part of a DynamoDB sort key; '#' (our key separator) and anything odd are refused. */
    public static final Pattern CALL_ID = Pattern.compile("[A-Za-z0-9_.:\\-]{1,128}");

    public WebhookEvent(String callId, CallEvent change, boolean incomingCall, String callerPhone) {
        this(callId, change, incomingCall, callerPhone, null, false, null);
    }

    public WebhookEvent(String callId, CallEvent change, boolean incomingCall, String callerPhone, String agentId) {
        this(callId, change, incomingCall, callerPhone, agentId, false, null);
    }

    public WebhookEvent(
            String callId,
            CallEvent change,
            boolean incomingCall,
            String callerPhone,
            boolean retellInbound,
            String admissionId) {
        this(callId, change, incomingCall, callerPhone, null, retellInbound, admissionId);
    }

    public static WebhookEvent retellInbound(String callerPhone) {
        return new WebhookEvent(null, null, false, callerPhone, true, null);
    }

    /** A caller number as stored: itself when it is within {@link #MAX_CALLER_PHONE}, otherwise none. */
    public static String boundedCaller(String caller) {
        return caller == null || caller.length() > MAX_CALLER_PHONE ? null : caller;
    }

    public static WebhookEvent acknowledgeOnly() {
        return new WebhookEvent(null, null, false, null);
    }

    public boolean changesState() {
        return change != null;
    }
}
