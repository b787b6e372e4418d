package dev.hydracore.voice.status;

import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.auth.Authenticator;
import dev.hydracore.voice.core.auth.Caller;
import dev.hydracore.voice.core.auth.Tenancy;
import dev.hydracore.voice.core.channel.ChannelStatus;
import dev.hydracore.voice.core.http.ApiException;
import dev.hydracore.voice.core.http.ApiHandler;
import dev.hydracore.voice.core.http.HttpRequest;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.http.InstanceId;
import java.util.Map;
import java.util.Optional;

/** GET /v1/instances/{instance_id}/channels/voice — Voice Status. */
public final class VoiceStatusHandler extends ApiHandler {
    static final String ROUTE = "GET /v1/instances/{instance_id}/channels/voice";
    private final Authenticator authenticator;
    private final Tenancy tenancy;

    /** Lambda's entry: wires real clients from the function's environment. */
    public VoiceStatusHandler() {
        this(Services.fromEnvironment());
    }

    public VoiceStatusHandler(Services services) {
        super(services);
        this.authenticator = services.authenticator();
        this.tenancy = services.tenancy();
    }

    @Override
    protected HttpResponse handle(HttpRequest request) {
        Caller caller = authenticator.authenticate(request);
        String instanceId = InstanceId.parse(request.pathParameter("instance_id"));
        return ChannelStatus.of(tenancy.requireOwned(caller, instanceId)).toResponse();
    }

    /**
     * SnapStart priming, read-only: the full request with a key no store holds (pepper fetch, key
     * lookup, 401), the instance read for the never-registered all-zero instance (404), and the
     * 200 body's serialization.
     */
    @Override
    protected void prime() {
        primeWithUnknownKey("GET", ROUTE, "/v1/instances/" + PRIMING_INSTANCE_ID + "/channels/voice",
                Map.of("instance_id", PRIMING_INSTANCE_ID));
        try {
            tenancy.requireOwned(new Caller("priming", "priming"), InstanceId.parse(PRIMING_INSTANCE_ID));
        } catch (ApiException expected) {
            // 404: nothing is registered under the all-zero id.
        }
        ChannelStatus.of(Optional.empty()).toResponse();
    }
}
