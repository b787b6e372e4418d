package dev.hydracore.voice.endcall;

import dev.hydracore.voice.core.Deadline;
import dev.hydracore.voice.core.Log;
import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.auth.Authenticator;
import dev.hydracore.voice.core.auth.Tenancy;
import dev.hydracore.voice.core.calls.CallEvent;
import dev.hydracore.voice.core.calls.CallRecord;
import dev.hydracore.voice.core.calls.CallState;
import dev.hydracore.voice.core.channel.VoiceProvider;
import dev.hydracore.voice.core.crypto.CredentialVault;
import dev.hydracore.voice.core.http.ApiException;
import dev.hydracore.voice.core.http.ApiHandler;
import dev.hydracore.voice.core.http.ErrorDetail;
import dev.hydracore.voice.core.http.HttpRequest;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.http.ValidationException;
import dev.hydracore.voice.core.provider.ProviderException;
import dev.hydracore.voice.core.provider.ProviderSession;
import dev.hydracore.voice.core.provider.Providers;
import dev.hydracore.voice.core.store.CallTransitions;
import dev.hydracore.voice.core.store.ChannelRecord;
import dev.hydracore.voice.core.store.InstanceRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * DELETE /v1/instances/{instance_id}/channels/voice/calls/{call_id} — End Call: hangs one live
 * call up at the provider (Twilio: {@code Status=completed}; Retell: stop-call), then ends it in
 * our records with the webhook's own conditional transition, so it stops counting at once and the
 * provider's later end event changes nothing. A call the provider says is already over is ended
 * too (a phantom). Not an active call of this channel: 404. Provider unavailable: 503, nothing
 * changed. A retry after a 503 that came after the provider hung up finds the call over there (404)
 * and answers 204.
 */
public final class EndCallHandler extends ApiHandler {
    static final String ROUTE = "/v1/instances/{instance_id}/channels/voice/calls/{call_id}";

    static final String CALL_NOT_FOUND = "Call not found";

    static final String STORED_CREDENTIALS_UNREADABLE =
            "Stored voice credentials cannot be read; set the channel up again with its credentials";

    /** As stored: the webhook bounds call ids the same way. */
    static final Pattern CALL_ID = Pattern.compile("^[A-Za-z0-9_.:-]{1,128}$");

    static final String CALL_ID_MESSAGE = "String should match pattern '" + CALL_ID.pattern() + "'";

    /** The hang-up's budget: one request, at most its own timeout. */
    static final Duration HANG_UP_BUDGET = Duration.ofSeconds(4);

    private final Authenticator authenticator;
    private final Tenancy tenancy;
    private final CallTransitions calls;
    private final CredentialVault vault;
    private final Providers providers;
    private final Clock clock;
    private final Duration maxCall;

    /** Lambda's entry: wires real clients from the function's environment. */
    public EndCallHandler() {
        this(Services.fromEnvironment());
    }

    public EndCallHandler(Services services) {
        super(services);
        this.authenticator = services.authenticator();
        this.tenancy = services.tenancy();
        this.calls = services.callTransitions();
        this.vault = services.vault();
        this.providers = services.providers();
        this.clock = services.clock();
        this.maxCall = services.settings().maxCallDuration();
    }

    @Override
    protected HttpResponse handle(HttpRequest request) {
        InstanceRecord instance = tenancy.authorize(authenticator, request).instance();
        String callId = request.pathParameter("call_id");
        if (callId == null || !CALL_ID.matcher(callId).matches()) {
            throw new ValidationException(
                    ErrorDetail.of(CALL_ID_MESSAGE, "string_pattern_mismatch", "path", "call_id"));
        }
        ChannelRecord channel = instance.channel().orElseThrow(ApiException::channelNotConfigured);
        String instanceId = instance.instanceId();
        CallTransitions.CallRead read = calls.read(instanceId, callId, null);
        boolean active = read.storedCall()
                .filter(c -> channel.generation().equals(c.generation()))
                .filter(c -> c.state() != CallState.ENDED)
                .filter(c -> countsAsActive(c))
                .isPresent();
        if (!active) {
            throw new ApiException(404, CALL_NOT_FOUND);
        }
        ProviderSession.HangUp outcome = hangUp(instanceId, channel, callId);
        calls.apply(read, CallEvent.state(CallState.ENDED, null));
        Log.info(
                outcome == ProviderSession.HangUp.HUNG_UP ? "call hung up" : "call already over at the provider",
                "instance_id",
                instanceId,
                "call_id",
                callId);
        return HttpResponse.noContent();
    }

    /** The full request with a key no store holds: 401 before anything is read or hung up. */
    @Override
    protected List<PrimingRequest> primingRequests() {
        return List.of(PrimingRequest.withUnknownKey("DELETE", ROUTE));
    }

    @Override
    protected void warmUp() {
        HttpResponse.noContent();
        CALL_ID.matcher("priming").matches();
    }

    private boolean countsAsActive(CallRecord c) {
        return c.countsAsActive(clock.millis(), maxCall.toMillis());
    }

    private ProviderSession.HangUp hangUp(String instanceId, ChannelRecord channel, String callId) {
        Map<String, String> credentials;
        try {
            credentials = vault.open(instanceId, channel.sealed());
        } catch (CredentialVault.UnreadableCredentialsException e) {
            Log.warn("stored voice credentials unreadable", "instance_id", instanceId);
            throw new ApiException(409, STORED_CREDENTIALS_UNREADABLE);
        }
        ProviderSession session = providers.open(
                VoiceProvider.fromWire(channel.provider()).orElseThrow(), channel.twilioAccountSid(), credentials);
        try {
            return session.hangUp(callId, Deadline.in(HANG_UP_BUDGET));
        } catch (ProviderException e) {
            Log.warn(
                    "hang-up failed",
                    "instance_id",
                    instanceId,
                    "call_id",
                    callId,
                    "kind",
                    e.kind().name(),
                    "status",
                    Integer.toString(e.status()));
            throw Providers.unavailable();
        }
    }
}
