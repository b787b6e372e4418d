package dev.hydracore.voice.webhook;

import dev.hydracore.voice.core.Deadline;
import dev.hydracore.voice.core.Invocation;
import dev.hydracore.voice.core.Invocation.WebhookOutcome;
import dev.hydracore.voice.core.Log;
import dev.hydracore.voice.core.Metrics;
import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.aws.RetryPolicy;
import dev.hydracore.voice.core.crypto.CredentialVault;
import dev.hydracore.voice.core.http.ApiException;
import dev.hydracore.voice.core.http.ApiHandler;
import dev.hydracore.voice.core.http.HttpRequest;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.http.InstanceId;
import dev.hydracore.voice.core.http.JsonBody;
import dev.hydracore.voice.core.http.RequestLimits;
import dev.hydracore.voice.core.store.CallTransitions;
import dev.hydracore.voice.core.store.ChannelRecord;
import dev.hydracore.voice.core.store.InboundAdmissions;
import dev.hydracore.voice.core.webhook.ParsedWebhook;
import dev.hydracore.voice.core.webhook.RetellInboundAnswer;
import dev.hydracore.voice.core.webhook.SignatureScheme;
import dev.hydracore.voice.core.webhook.TimestampedHmac;
import dev.hydracore.voice.core.webhook.TwilioForm;
import dev.hydracore.voice.core.webhook.TwilioSignature;
import dev.hydracore.voice.core.webhook.TwimlAnswer;
import dev.hydracore.voice.core.webhook.WebhookEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * POST /v1/webhooks/voice/{instance_id} — provider webhooks (no API key: the provider's signature
 * over the raw body, against the instance's stored secret, authenticates each request).
 *
 * <p>Order: instance id (422) → size (413, Lambda's 6 MB) → a well-formed, fresh signature header
 * (401, before any AWS call) → one consistent read of the instance and the call → no channel (404)
 * → signature (401; undecryptable stored credentials too) → event shape (422) → another Retell
 * agent's call (200 ignored) → one transaction for the call and the counter. The body is parsed before the read only to learn which call item to read alongside
 * the instance; nothing it says is acted on before the signature is checked.
 */
public final class VoiceWebhookHandler extends ApiHandler {
    static final String INVALID_SIGNATURE = "Invalid signature";
    private static final String OK = "{\"status\":\"ok\"}";
    private static final String IGNORED = "{\"status\":\"ignored\"}";

    /** Built-in sample bodies for priming (no real call, number or secret). */
    static final String PRIMING_RETELL_BODY = "{\"event\":\"call_started\",\"call\":{\"call_type\":\"phone_call\","
            + "\"call_id\":\"call_00000000000000000000000000000000\",\"agent_id\":\"agent_priming\",\"call_status\":\"ongoing\","
            + "\"from_number\":\"+14155550123\",\"direction\":\"inbound\",\"transcript_object\":[]}}";

    static final String PRIMING_BOT_BODY = "{\"event\":\"call.turn\",\"event_id\":\"" + PRIMING_INSTANCE_ID + "\","
            + "\"call_id\":\"CA00000000000000000000000000000000\",\"caller_phone\":\"+14155550123\","
            + "\"occurred_at\":\"2000-01-01T00:00:00Z\",\"turn\":{\"role\":\"user\"}}";
    static final String PRIMING_TWILIO_BODY =
            "AccountSid=AC00000000000000000000000000000000&CallSid=CA00000000000000000000000000000000"
                    + "&CallStatus=ringing&Direction=inbound&From=%2B14155550123&To=%2B14155550100";

    private final CallTransitions calls;
    private final InboundAdmissions admissions;
    private final CredentialVault vault;
    private final Clock clock;
    private final Optional<String> streamUrl;

    /** Lambda's entry: wires real clients from the function's environment. */
    public VoiceWebhookHandler() {
        this(Services.fromEnvironment(RetryPolicy.WEBHOOK));
    }

    public VoiceWebhookHandler(Services services) {
        super(services);
        this.calls = services.callTransitions();
        this.admissions = services.inboundAdmissions();
        this.vault = services.vault();
        this.clock = services.clock();
        this.streamUrl = services.settings().get(Settings.PIPECAT_STREAM_URL);
    }

    @Override
    protected HttpResponse handle(HttpRequest request) {
        // One budget for the event's store work: past it, 503 (Retry-After) rather than an answer Retell no longer
        // waits for.
        Deadline deadline = Deadline.in(RetryPolicy.WEBHOOK_EVENT_BUDGET);
        String instanceId = InstanceId.parse(request.pathParameter("instance_id"));
        JsonBody.requireWithinLimit(request, RequestLimits.MAX_WEBHOOK_BODY_BYTES);
        // Cheap checks first: without a well-formed, fresh signature header there is nothing to read
        // or decrypt, so a flood of unsigned or stale requests costs no DynamoDB or KMS call.
        if (!plausiblySigned(request)) {
            throw invalidSignature();
        }
        ParsedWebhook parsed = ParsedWebhook.of(SignatureScheme.guess(request), request.body());
        CallTransitions.CallRead seen =
                calls.read(instanceId, parsed.callId(), parsed.turnEventId(), parsed.admissionId(), deadline);
        ChannelRecord channel = seen.channel().orElseThrow(ApiException::channelNotConfigured);

        SignatureScheme scheme = SignatureScheme.forChannel(channel.provider(), request)
                .orElseThrow(VoiceWebhookHandler::invalidSignature);
        invocation().provider(scheme.reportedAs());
        if (scheme != parsed.scheme()) {
            parsed = ParsedWebhook.of(scheme, request.body());
        }
        if (!signatureHolds(scheme, request, instanceId, channel, parsed)) {
            throw invalidSignature();
        }
        if (parsed.problem() != null) {
            throw parsed.problem();
        }
        WebhookEvent event = parsed.event();
        if (event.retellInbound()) {
            return answerInbound(instanceId, channel, deadline);
        }
        // call_inbound names no call and, without an Inbound Call Agent on the number, no agent: only
        // the call's own events are held to the channel's agent.
        if (scheme == SignatureScheme.RETELL && event.changesState() && !ownAgent(channel, event)) {
            // An account-level webhook sends every agent's calls here: not this channel's call.
            return HttpResponse.json(200, IGNORED);
        }

        boolean applied = false;
        if (event.changesState()) {
            if (!Objects.equals(event.callId(), seen.callId())
                    || !Objects.equals(event.change().turnEventId(), seen.turnEventId())
                    || !Objects.equals(event.admissionId(), seen.admissionId())) {
                seen = calls.read(
                        instanceId, event.callId(), event.change().turnEventId(), event.admissionId(), deadline);
            }
            // Too many lost races (ContentionException) or the deadline passed (OutOfTimeException): ApiHandler
            // answers 503 with Retry-After and the provider retries.
            CallTransitions.Outcome outcome = calls.apply(seen, event.change(), event.incomingCall(), deadline);
            if (outcome == CallTransitions.Outcome.NO_CHANNEL) {
                throw ApiException.channelNotConfigured();
            }
            if (outcome == CallTransitions.Outcome.REFUSED) {
                logRefused("twilio", instanceId);
                return TwimlAnswer.response(TwimlAnswer.REJECT_BUSY);
            }
            applied = outcome == CallTransitions.Outcome.APPLIED;
        }
        invocation()
                .outcome(
                        !event.changesState()
                                ? WebhookOutcome.IGNORED
                                : applied ? WebhookOutcome.APPLIED : WebhookOutcome.DUPLICATE);
        if (event.incomingCall()) {
            return TwimlAnswer.response(TwimlAnswer.forIncomingCall(
                    streamUrl.orElse(null), instanceId, event.callerPhone(), event.callId()));
        }
        // Duplicates, stale and unknown events are acknowledged too, so the provider stops retrying.
        return HttpResponse.json(200, applied ? OK : IGNORED);
    }

    /**
     * Retell's inbound-call webhook: admitted, the answer names the channel's agent (and, on a
     * channel with a limit, carries the admission id as call metadata, which Retell sends back on
     * the call's events); at the limit, the answer names no agent, so Retell declines the call —
     * provided the number has no Inbound Call Agent of its own (see the README).
     */
    private HttpResponse answerInbound(String instanceId, ChannelRecord channel, Deadline deadline) {
        InboundAdmissions.Decision d = admissions.admit(instanceId, channel, deadline);
        if (d.kind() == InboundAdmissions.Kind.NO_CHANNEL) {
            throw ApiException.channelNotConfigured();
        }
        if (d.kind() == InboundAdmissions.Kind.REFUSED) {
            logRefused("retell", instanceId);
        }
        return HttpResponse.json(
                200,
                RetellInboundAnswer.json(
                        d.kind() == InboundAdmissions.Kind.ADMITTED ? channel.agentId() : null,
                        d.admissionId().orElse(null)));
    }

    /** A refused call: the CallsRefused metric on the invocation's line, and a line of its own. */
    private void logRefused(String provider, String instanceId) {
        invocation().metric(Metrics.CALLS_REFUSED, Metrics.COUNT, 1, List.of(List.of("provider")));
        Log.info("call refused: max_concurrent_calls reached", "provider", provider, "instance_id", instanceId);
    }

    /** Every answer's provider and outcome for the invocation's line: a 401 here is always the signature's. */
    @Override
    protected void answered(HttpRequest request, HttpResponse response) {
        Invocation invocation = invocation();
        if (invocation.provider() == null) {
            invocation.provider(SignatureScheme.guess(request).reportedAs());
        }
        if (response.status() == 401) {
            invocation.signatureRejected();
        } else if (response.status() >= 400 && response.status() < 500) {
            invocation.outcome(WebhookOutcome.REJECTED);
        }
    }

    /**
     * A signed-looking Retell event for the never-registered all-zero instance: body parse, the one
     * BatchGetItem read, no channel: 404 before any signature check, decryption or write.
     */
    @Override
    protected List<PrimingRequest> primingRequests() {
        byte[] retell = PRIMING_RETELL_BODY.getBytes(StandardCharsets.UTF_8);
        return List.of(new PrimingRequest(
                "POST",
                "/v1/webhooks/voice/{instance_id}",
                Map.of("x-retell-signature", TimestampedHmac.sign(retell, "priming", clock.millis())),
                PRIMING_RETELL_BODY));
    }

    /** The signature checks and event parsers of every provider on built-in samples with a throwaway key (pure code). */
    @Override
    protected void warmUp() {
        byte[] retell = PRIMING_RETELL_BODY.getBytes(StandardCharsets.UTF_8);
        long now = clock.millis();
        TimestampedHmac.verify(TimestampedHmac.sign(retell, "priming", now), retell, "priming", now);
        ParsedWebhook.of(SignatureScheme.RETELL, retell);
        ParsedWebhook.of(SignatureScheme.BOT, PRIMING_BOT_BODY.getBytes(StandardCharsets.UTF_8));
        ParsedWebhook twilio =
                ParsedWebhook.of(SignatureScheme.TWILIO, PRIMING_TWILIO_BODY.getBytes(StandardCharsets.UTF_8));
        List<Map.Entry<String, String>> pairs =
                twilio.form().map(TwilioForm::pairs).orElse(List.of());
        String url = signedUrl("https://priming.invalid/v1/webhooks/voice/" + PRIMING_INSTANCE_ID, "");
        TwilioSignature.verify(TwilioSignature.sign(url, pairs, "priming"), url, pairs, "priming");
        if (twilio.event() != null && twilio.event().incomingCall()) {
            TwimlAnswer.response(TwimlAnswer.forIncomingCall(
                    streamUrl.orElse(null),
                    PRIMING_INSTANCE_ID,
                    twilio.event().callerPhone(),
                    twilio.event().callId()));
        }
        HttpResponse.json(200, IGNORED);
    }

    /**
     * One of the signature headers is present and well formed — Retell's or the bot's with a fresh
     * timestamp, Twilio's the base64 of 20 bytes on a form post — before the channel is known. Which
     * one the channel needs, and whether it verifies, is decided once the channel is read.
     */
    private boolean plausiblySigned(HttpRequest request) {
        long now = clock.millis();
        return request.header(SignatureScheme.RETELL.header())
                        .filter(h -> TimestampedHmac.wellFormedAndFresh(h, now))
                        .isPresent()
                || request.header(SignatureScheme.BOT.header())
                        .filter(h -> TimestampedHmac.wellFormedAndFresh(h, now))
                        .isPresent()
                || (SignatureScheme.isForm(request)
                        && request.header(SignatureScheme.TWILIO.header())
                                .filter(TwilioSignature::wellFormed)
                                .isPresent());
    }

    /** The event is the channel's agent's; one without an agent_id is not (fail closed). */
    private static boolean ownAgent(ChannelRecord channel, WebhookEvent event) {
        return event.agentId() != null
                && channel.agentId() != null
                && event.agentId().equals(channel.agentId());
    }

    private boolean signatureHolds(
            SignatureScheme scheme,
            HttpRequest request,
            String instanceId,
            ChannelRecord channel,
            ParsedWebhook parsed) {
        Optional<String> header = request.header(scheme.header());
        if (header.isEmpty()) {
            return false;
        }
        Map<String, String> credentials;
        try {
            credentials = vault.open(instanceId, channel.sealed());
        } catch (CredentialVault.UnreadableCredentialsException e) {
            // Nothing the caller can fix or learn from: the provider is told what an unsigned request hears.
            Log.warn(
                    "stored credentials cannot be decrypted",
                    "instance_id",
                    instanceId,
                    "request_id",
                    request.requestId());
            return false;
        }
        String secret = credentials.get(scheme.credential().wire());
        if (secret == null || secret.isEmpty()) {
            return false;
        }
        return switch (scheme) {
            case RETELL, BOT -> TimestampedHmac.verify(header.get(), request.body(), secret, clock.millis());
            case TWILIO ->
                parsed.form().isPresent()
                        && channel.webhookUrl() != null
                        && TwilioSignature.verify(
                                header.get(),
                                signedUrl(channel.webhookUrl(), request.rawQueryString()),
                                parsed.form().get().pairs(),
                                secret);
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
