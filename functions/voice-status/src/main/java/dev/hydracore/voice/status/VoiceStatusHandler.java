package dev.hydracore.voice.status;

import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.auth.Authenticator;
import dev.hydracore.voice.core.auth.Tenancy;
import dev.hydracore.voice.core.channel.ChannelStatus;
import dev.hydracore.voice.core.http.ApiHandler;
import dev.hydracore.voice.core.http.HttpRequest;
import dev.hydracore.voice.core.http.HttpResponse;
import java.util.List;
import java.util.Optional;

/** GET /v1/instances/{instance_id}/channels/voice — Voice Status. */
public final class VoiceStatusHandler extends ApiHandler {
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
        return ChannelStatus.of(tenancy.authorize(authenticator, request).instance())
                .toResponse();
    }

    @Override
    protected List<PrimingRequest> primingRequests() {
        return List.of(PrimingRequest.withUnknownKey("GET", "/v1/instances/{instance_id}/channels/voice"));
    }

    /** The 200 body's serialization. */
    @Override
    protected void warmUp() {
        ChannelStatus.of(Optional.empty()).toResponse();
    }
}
