package dev.hydracore.voice.core.webhook;

import dev.hydracore.voice.core.channel.VoiceField;
import dev.hydracore.voice.core.channel.VoiceProvider;
import dev.hydracore.voice.core.http.HttpRequest;
import java.util.Locale;
import java.util.Optional;

/** How a webhook delivery is signed, which follows from the channel's provider and the request's content type. */
public enum SignatureScheme {
    RETELL("x-retell-signature", VoiceField.API_KEY, "retell"),
    TWILIO("x-twilio-signature", VoiceField.TWILIO_AUTH_TOKEN, "twilio"),
    BOT("x-hydra-signature", VoiceField.WEBHOOK_SECRET, "pipecat-bot");

    private final String header;
    private final VoiceField credential;
    private final String reportedAs;

    SignatureScheme(String header, VoiceField credential, String reportedAs) {
        this.header = header;
        this.credential = credential;
        this.reportedAs = reportedAs;
    }

    /** Before the channel is known: a best guess, only to find the call id to read. */
    public static SignatureScheme guess(HttpRequest r) {
        if (isForm(r)) {
            return TWILIO;
        }
        return r.header(BOT.header).isPresent() && r.header(RETELL.header).isEmpty() ? BOT : RETELL;
    }

    public static Optional<SignatureScheme> forChannel(String provider, HttpRequest r) {
        return VoiceProvider.fromWire(provider).map(p -> switch (p) {
            case RETELL -> RETELL;
            case PIPECAT -> isForm(r) ? TWILIO : BOT;
        });
    }

    public static boolean isForm(HttpRequest r) {
        return r.header("content-type")
                .map(ct -> ct.toLowerCase(Locale.ROOT).split(";")[0].strip())
                .filter("application/x-www-form-urlencoded"::equals)
                .isPresent();
    }

    /** The request header that carries the signature. */
    public String header() {
        return header;
    }

    /** The stored credential the signature is made with. */
    public VoiceField credential() {
        return credential;
    }

    /** The provider a delivery is reported (and counted) under. */
    public String reportedAs() {
        return reportedAs;
    }
}
