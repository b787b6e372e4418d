package dev.hydracore.voice.core.webhook;

import dev.hydracore.voice.core.calls.CallEvent;
import dev.hydracore.voice.core.calls.CallState;
import dev.hydracore.voice.core.http.ErrorDetail;
import dev.hydracore.voice.core.http.ValidationException;
import java.util.ArrayList;
import java.util.List;

/**
 * Twilio's voice requests and status callbacks (form fields {@code CallSid}, {@code From}/{@code Caller},
 * {@code CallStatus}, {@code CallbackSource}). The number's voice URL request — ringing, no
 * CallbackSource — is the incoming call, answered with TwiML.
 */
public final class TwilioEvents {
    private TwilioEvents() {}

    public static WebhookEvent parse(TwilioForm form) {
        List<ErrorDetail> errors = new ArrayList<>();
        String callSid = form.first("CallSid").orElse(null);
        if (callSid == null) {
            errors.add(ErrorDetail.missing("body", "CallSid"));
        } else if (!WebhookEvent.CALL_ID.matcher(callSid).matches()) {
            errors.add(ErrorDetail.of(
                    "String should match pattern '" + WebhookEvent.CALL_ID.pattern() + "'",
                    "string_pattern_mismatch",
                    "body",
                    "CallSid"));
        }
        String status = form.first("CallStatus").orElse(null);
        if (status == null) {
            errors.add(ErrorDetail.missing("body", "CallStatus"));
        }
        if (!errors.isEmpty()) {
            throw new ValidationException(errors);
        }
        String callerPhone = WebhookEvent.boundedCaller(form.first("From")
                .filter(s -> !s.isEmpty())
                .or(() -> form.first("Caller"))
                .orElse(null));
        CallState target = switch (status) {
            case "queued", "ringing" -> CallState.RINGING;
            case "in-progress" -> CallState.IN_PROGRESS;
            case "completed", "busy", "failed", "no-answer", "canceled" -> CallState.ENDED;
            // A status Twilio may add later changes nothing; acknowledging it stops retries.
            default -> null;
        };
        boolean incoming = status.equals("ringing") && !form.has("CallbackSource");
        if (target == null) {
            return new WebhookEvent(callSid, null, false, callerPhone);
        }
        return new WebhookEvent(callSid, CallEvent.state(target, callerPhone), incoming, callerPhone);
    }
}
