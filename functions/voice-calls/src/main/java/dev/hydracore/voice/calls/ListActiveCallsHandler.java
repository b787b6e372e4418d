package dev.hydracore.voice.calls;

import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.auth.Authenticator;
import dev.hydracore.voice.core.auth.Tenancy;
import dev.hydracore.voice.core.calls.ActiveCallsAnswer;
import dev.hydracore.voice.core.calls.CallRecord;
import dev.hydracore.voice.core.http.ApiHandler;
import dev.hydracore.voice.core.http.HttpRequest;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.store.ActiveCallsIndex;
import dev.hydracore.voice.core.store.InstanceRecord;
import java.time.Clock;
import java.util.List;

/**
 * GET /v1/instances/{instance_id}/channels/voice/calls — List Active Calls: the channel's active
 * calls, oldest first, read strongly consistently from the sparse active-calls index (cost
 * proportional to active calls, every page read) once the registration says the instance is the caller's.
 */
public final class ListActiveCallsHandler extends ApiHandler {
    private final Authenticator authenticator;
    private final Tenancy tenancy;
    private final ActiveCallsIndex calls;
    private final Clock clock;

    /** Lambda's entry: wires real clients from the function's environment. */
    public ListActiveCallsHandler() {
        this(Services.fromEnvironment());
    }

    public ListActiveCallsHandler(Services services) {
        super(services);
        this.authenticator = services.authenticator();
        this.tenancy = services.tenancy();
        this.calls = services.activeCalls();
        this.clock = services.clock();
    }

    @Override
    protected List<PrimingRequest> primingRequests() {
        return List.of(PrimingRequest.withUnknownKey("GET", "/v1/instances/{instance_id}/channels/voice/calls"));
    }

    /** The active-calls index query for a generation no channel has (nothing matches): a read. */
    @Override
    protected void warmUp() {
        calls.activeCalls(PRIMING_INSTANCE_ID, "priming");
    }

    @Override
    protected HttpResponse handle(HttpRequest request) {
        // Tenancy before work: one consistent read of the registration, so another tenant's instance
        // costs what a missing one does and none of its index pages is read.
        InstanceRecord instance = tenancy.authorize(authenticator, request).instance();
        String instanceId = instance.instanceId();
        long now = clock.millis();
        List<CallRecord> active = instance.channel()
                .map(c -> calls.view(instanceId).activeCalls(c.generation(), now))
                .orElse(List.of());
        return HttpResponse.json(200, ActiveCallsAnswer.toJson(active, now));
    }
}
