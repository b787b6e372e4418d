package dev.hydracore.voice.core.webhook;

import dev.hydracore.voice.core.http.ValidationException;
import java.util.Optional;

/**
 * A webhook body parsed one way: the event, or why it is malformed (reported only once the
 * signature holds); Twilio's form too, which its signature covers.
 */
public record ParsedWebhook(
        SignatureScheme scheme, Optional<TwilioForm> form, WebhookEvent event, ValidationException problem) {

    public static ParsedWebhook of(SignatureScheme scheme, byte[] body) {
        Optional<TwilioForm> form = Optional.empty();
        try {
            return switch (scheme) {
                case RETELL -> new ParsedWebhook(scheme, form, RetellEvents.parse(body), null);
                case BOT -> new ParsedWebhook(scheme, form, BotEvents.parse(body), null);
                case TWILIO -> {
                    form = Optional.of(TwilioForm.parse(body));
                    yield new ParsedWebhook(scheme, form, TwilioEvents.parse(form.get()), null);
                }
            };
        } catch (ValidationException e) {
            return new ParsedWebhook(scheme, form, null, e);
        } catch (IllegalArgumentException e) {
            // Not form encoding at all: there is nothing a Twilio signature could cover.
            return new ParsedWebhook(scheme, Optional.empty(), null, null);
        }
    }

    public String callId() {
        return event == null ? null : event.callId();
    }

    public String admissionId() {
        return event == null ? null : event.admissionId();
    }

    public String turnEventId() {
        return event == null || event.change() == null ? null : event.change().turnEventId();
    }
}
