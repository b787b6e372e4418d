package dev.hydracore.voice.webhook;

import dev.hydracore.voice.core.Invocation;
import dev.hydracore.voice.core.Invocation.WebhookOutcome;
import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.channel.VoiceField;
import dev.hydracore.voice.core.channel.VoiceProvider;
import dev.hydracore.voice.core.crypto.CredentialVault;
import dev.hydracore.voice.core.http.ApiException;
import dev.hydracore.voice.core.http.ApiHandler;
import dev.hydracore.voice.core.http.HttpRequest;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.http.InstanceId;
import dev.hydracore.voice.core.http.JsonBody;
import dev.hydracore.voice.core.http.ValidationException;
import dev.hydracore.voice.core.store.CallTransitions;
import dev.hydracore.voice.core.store.ChannelRecord;
import dev.hydracore.voice.core.webhook.BotEvents;
import dev.hydracore.voice.core.webhook.RetellEvents;
import dev.hydracore.voice.core.webhook.TimestampedHmac;
import dev.hydracore.voice.core.webhook.TwilioEvents;
import dev.hydracore.voice.core.webhook.TwilioForm;
import dev.hydracore.voice.core.webhook.TwilioSignature;
import dev.hydracore.voice.core.webhook.TwimlAnswer;
import dev.hydracore.voice.core.webhook.WebhookEvent;
import java.time.Clock;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * POST /v1/webhooks/voice/{instance_id} — provider webhooks (no API key: the provider's signature
 * over the raw body, against the instance's stored secret, authenticates each request).
 *
 * <p>Order: instance id (422) → size (413) → one consistent read of the instance and the call →
 * no channel (404) → signature (401) → event shape (422) → one transaction for the call and the
 * counter. The body is parsed before the read only to learn which call item to read alongside
 * the instance; nothing it says is acted on before the signature is checked.
 */
public final class VoiceWebhookHandler extends ApiHandler {
    static final String INVALID_SIGNATURE = "Invalid signature";
    private static final String OK = "{\"status\":\"ok\"}";
    private static final String IGNORED = "{\"status\":\"ignored\"}";

    private final CallTransitions calls;
    private final CredentialVault vault;
    private final Clock clock;
    private final Optional<String> streamUrl;

    /** Lambda's entry: wires real clients from the function's environment. */
    public VoiceWebhookHandler() {
        this(Services.fromEnvironment());
    }

    public VoiceWebhookHandler(Services services) {
        super(services);
        this.calls = services.callTransitions();
        this.vault = services.vault();
        this.clock = services.clock();
        this.streamUrl = services.settings().get(Settings.PIPECAT_STREAM_URL);
    }

    /** How a request is signed, which follows from the channel's provider and the request's content type. */
    enum Scheme {
        RETELL("x-retell-signature", VoiceField.API_KEY),
        TWILIO("x-twilio-signature", VoiceField.TWILIO_AUTH_TOKEN),
        BOT("x-hydra-signature", VoiceField.WEBHOOK_SECRET);

        final String header;
        final VoiceField credential;

        Scheme(String header, VoiceField credential) {
            this.header = header;
            this.credential = credential;
        }

        /** Before the channel is known: a best guess, only to find the call id to read. */
        static Scheme guess(HttpRequest r) {
            if (isForm(r)) {
                return TWILIO;
            }
            return r.header(BOT.header).isPresent() && r.header(RETELL.header).isEmpty() ? BOT : RETELL;
        }

        static Optional<Scheme> forChannel(String provider, HttpRequest r) {
            return VoiceProvider.fromWire(provider).map(p -> switch (p) {
                case RETELL -> RETELL;
                case PIPECAT -> isForm(r) ? TWILIO : BOT;
            });
        }

        private static boolean isForm(HttpRequest r) {
            return r.header("content-type").map(ct -> ct.toLowerCase(Locale.ROOT).split(";")[0].strip())
                    .filter("application/x-www-form-urlencoded"::equals).isPresent();
        }
    }

    /** A body parsed one way: the event, or why it is malformed (reported only once the signature holds). */
    private record Parsed(Scheme scheme, Optional<TwilioForm> form, WebhookEvent event, ValidationException problem) {
        String callId() {
            return event == null ? null : event.callId();
        }

        String turnEventId() {
            return event == null || event.change() == null ? null : event.change().turnEventId();
        }

        static Parsed of(Scheme scheme, byte[] body) {
            Optional<TwilioForm> form = Optional.empty();
            try {
                return switch (scheme) {
                    case RETELL -> new Parsed(scheme, form, RetellEvents.parse(body), null);
                    case BOT -> new Parsed(scheme, form, BotEvents.parse(body), null);
                    case TWILIO -> {
                        form = Optional.of(TwilioForm.parse(body));
                        yield new Parsed(scheme, form, TwilioEvents.parse(form.get()), null);
                    }
                };
            } catch (ValidationException e) {
                return new Parsed(scheme, form, null, e);
            } catch (IllegalArgumentException e) {
                // Not form encoding at all: there is nothing a Twilio signature could cover.
                return new Parsed(scheme, Optional.empty(), null, null);
            }
        }
    }

    @Override
    protected HttpResponse handle(HttpRequest request) {
        String instanceId = InstanceId.parse(request.pathParameter("instance_id"));
        JsonBody.requireWithinLimit(request);
        Parsed parsed = Parsed.of(Scheme.guess(request), request.body());
        CallTransitions.CallRead seen = calls.read(instanceId, parsed.callId(), parsed.turnEventId());
        ChannelRecord channel = seen.channel().orElseThrow(ApiException::channelNotConfigured);

        Scheme scheme = Scheme.forChannel(channel.provider(), request).orElseThrow(VoiceWebhookHandler::invalidSignature);
        invocation().provider(reported(scheme));
        if (scheme != parsed.scheme()) {
            parsed = Parsed.of(scheme, request.body());
        }
        if (!signatureHolds(scheme, request, instanceId, channel, parsed)) {
            throw invalidSignature();
        }
        if (parsed.problem() != null) {
            throw parsed.problem();
        }
        WebhookEvent event = parsed.event();

        boolean applied = false;
        if (event.changesState()) {
            if (!Objects.equals(event.callId(), seen.callId())
                    || !Objects.equals(event.change().turnEventId(), seen.turnEventId())) {
                seen = calls.read(instanceId, event.callId(), event.change().turnEventId());
            }
            // Too many lost races (ContentionException): ApiHandler answers 503 and the provider retries.
            CallTransitions.Outcome outcome = calls.apply(seen, event.change());
            if (outcome == CallTransitions.Outcome.NO_CHANNEL) {
                throw ApiException.channelNotConfigured();
            }
            applied = outcome == CallTransitions.Outcome.APPLIED;
        }
        invocation().outcome(!event.changesState() ? WebhookOutcome.IGNORED
                : applied ? WebhookOutcome.APPLIED : WebhookOutcome.DUPLICATE);
        if (event.incomingCall()) {
            return TwimlAnswer.response(TwimlAnswer.forIncomingCall(streamUrl.orElse(null), instanceId, event.callerPhone(),
                    event.callId()));
        }
        // Duplicates, stale and unknown events are acknowledged too, so the provider stops retrying.
        return HttpResponse.json(200, applied ? OK : IGNORED);
    }

    /** Every answer's provider and outcome for the invocation's line: a 401 here is always the signature's. */
    @Override
    protected void answered(HttpRequest request, HttpResponse response) {
        Invocation invocation = invocation();
        if (invocation.provider() == null) {
            invocation.provider(reported(Scheme.guess(request)));
        }
        if (response.status() == 401) {
            invocation.signatureRejected();
        } else if (response.status() >= 400 && response.status() < 500) {
            invocation.outcome(WebhookOutcome.REJECTED);
        }
    }

    /** The provider a delivery is reported (and counted) under. */
    static String reported(Scheme scheme) {
        return switch (scheme) {
            case RETELL -> "retell";
            case TWILIO -> "twilio";
            case BOT -> "pipecat-bot";
        };
    }

    /** Built-in sample bodies for priming (no real call, number or secret). */
    static final String PRIMING_RETELL_BODY = "{\"event\":\"call_started\",\"call\":{\"call_type\":\"phone_call\","
            + "\"call_id\":\"call_00000000000000000000000000000000\",\"call_status\":\"ongoing\","
            + "\"from_number\":\"+14155550123\",\"direction\":\"inbound\",\"transcript_object\":[]}}";
    static final String PRIMING_BOT_BODY = "{\"event\":\"call.turn\",\"event_id\":\"" + PRIMING_INSTANCE_ID + "\","
            + "\"call_id\":\"CA00000000000000000000000000000000\",\"caller_phone\":\"+14155550123\","
            + "\"occurred_at\":\"2000-01-01T00:00:00Z\",\"turn\":{\"role\":\"user\"}}";
    static final String PRIMING_TWILIO_BODY = "AccountSid=AC00000000000000000000000000000000&CallSid=CA00000000000000000000000000000000"
            + "&CallStatus=ringing&Direction=inbound&From=%2B14155550123&To=%2B14155550100";

    /**
     * A signed-looking Retell event for the never-registered all-zero instance: body parse, the one
     * BatchGetItem read, no channel: 404 before any signature check, decryption or write.
     */
    @Override
    protected List<PrimingRequest> primingRequests() {
        byte[] retell = PRIMING_RETELL_BODY.getBytes(StandardCharsets.UTF_8);
        return List.of(new PrimingRequest("POST", "/v1/webhooks/voice/{instance_id}",
                Map.of("x-retell-signature", TimestampedHmac.sign(retell, "priming", clock.millis())), PRIMING_RETELL_BODY));
    }

    /** The signature checks and event parsers of every provider on built-in samples with a throwaway key (pure code). */
    @Override
    protected void warmUp() {
        byte[] retell = PRIMING_RETELL_BODY.getBytes(StandardCharsets.UTF_8);
        long now = clock.millis();
        TimestampedHmac.verify(TimestampedHmac.sign(retell, "priming", now), retell, "priming", now);
        Parsed.of(Scheme.RETELL, retell);
        Parsed.of(Scheme.BOT, PRIMING_BOT_BODY.getBytes(StandardCharsets.UTF_8));
        Parsed twilio = Parsed.of(Scheme.TWILIO, PRIMING_TWILIO_BODY.getBytes(StandardCharsets.UTF_8));
        List<Map.Entry<String, String>> pairs = twilio.form().map(TwilioForm::pairs).orElse(List.of());
        String url = signedUrl("https://priming.invalid/v1/webhooks/voice/" + PRIMING_INSTANCE_ID, "");
        TwilioSignature.verify(TwilioSignature.sign(url, pairs, "priming"), url, pairs, "priming");
        if (twilio.event() != null && twilio.event().incomingCall()) {
            TwimlAnswer.response(TwimlAnswer.forIncomingCall(streamUrl.orElse(null), PRIMING_INSTANCE_ID,
                    twilio.event().callerPhone(), twilio.event().callId()));
        }
        HttpResponse.json(200, IGNORED);
    }

    private boolean signatureHolds(Scheme scheme, HttpRequest request, String instanceId, ChannelRecord channel, Parsed parsed) {
        Optional<String> header = request.header(scheme.header);
        if (header.isEmpty()) {
            return false;
        }
        Map<String, String> credentials = vault.open(instanceId, channel.sealed());
        String secret = credentials.get(scheme.credential.wire());
        if (secret == null || secret.isEmpty()) {
            return false;
        }
        return switch (scheme) {
            case RETELL, BOT -> TimestampedHmac.verify(header.get(), request.body(), secret, clock.millis());
            case TWILIO -> parsed.form().isPresent() && channel.webhookUrl() != null
                    && TwilioSignature.verify(header.get(), signedUrl(channel.webhookUrl(), request.rawQueryString()),
                            parsed.form().get().pairs(), secret);
        };
    }

    /** The URL Twilio signed: the configured webhook URL, never one rebuilt from request headers. */
    static String signedUrl(String webhookUrl, String rawQueryString) {
        return rawQueryString == null || rawQueryString.isEmpty() ? webhookUrl : webhookUrl + "?" + rawQueryString;
    }

    private static ApiException invalidSignature() {
        return new ApiException(401, INVALID_SIGNATURE);
    }
}
