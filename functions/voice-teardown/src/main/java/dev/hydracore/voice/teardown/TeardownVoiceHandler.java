package dev.hydracore.voice.teardown;

import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.auth.Authenticator;
import dev.hydracore.voice.core.auth.Principal;
import dev.hydracore.voice.core.auth.Tenancy;
import dev.hydracore.voice.core.http.ApiException;
import dev.hydracore.voice.core.http.ApiHandler;
import dev.hydracore.voice.core.http.HttpRequest;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.http.InstanceId;
import dev.hydracore.voice.core.store.CallRecordPurge;
import dev.hydracore.voice.core.store.ChannelRecord;
import dev.hydracore.voice.core.store.ChannelStore;
import dev.hydracore.voice.core.store.InstanceRecord;
import java.util.List;
import java.util.Optional;

/**
 * DELETE /v1/instances/{instance_id}/channels/voice — Teardown Voice.
 *
 * <p>The channel (configuration, ciphertexts, counter, generation) goes first, in one conditional
 * write: from then on every call-record write fails its generation condition, so the purge that
 * follows cannot be outrun by a webhook. A teardown that fails half-way (503) is finished by a
 * retry: the purge also runs when the channel is already gone, before the 404.
 */
public final class TeardownVoiceHandler extends ApiHandler {
    private final Authenticator authenticator;
    private final Tenancy tenancy;
    private final ChannelStore channels;
    private final CallRecordPurge callRecords;

    /** Lambda's entry: wires real clients from the function's environment. */
    public TeardownVoiceHandler() {
        this(Services.fromEnvironment());
    }

    public TeardownVoiceHandler(Services services) {
        super(services);
        this.authenticator = services.authenticator();
        this.tenancy = services.tenancy();
        this.channels = services.channels();
        this.callRecords = services.callRecordPurge();
    }

    @Override
    protected HttpResponse handle(HttpRequest request) {
        Principal principal = authenticator.authenticate(request);
        String instanceId = InstanceId.parse(request.pathParameter("instance_id"));
        InstanceRecord instance = tenancy.requireOwned(principal, instanceId);
        boolean removed = removeChannel(principal, instance);
        callRecords.purge(instanceId);
        if (!removed) {
            throw ApiException.channelNotConfigured();
        }
        return HttpResponse.noContent();
    }

    /** The full request with a key no store holds: 401 before the route could remove or purge anything. */
    @Override
    protected List<PrimingRequest> primingRequests() {
        return List.of(PrimingRequest.withUnknownKey("DELETE", "/v1/instances/{instance_id}/channels/voice"));
    }

    @Override
    protected void warmUp() {
        HttpResponse.noContent();
    }

    /** True when this request removed a channel; false when there was none. */
    private boolean removeChannel(Principal principal, InstanceRecord instance) {
        Optional<ChannelRecord> channel = instance.channel();
        for (int attempt = 0; attempt < 2; attempt++) {
            if (channel.isEmpty()) {
                return false;
            }
            try {
                channels.remove(instance.instanceId(), channel.get().generation());
                return true;
            } catch (ChannelStore.ConcurrentChangeException e) {
                // Torn down and set up again meanwhile: the caller asked for the channel to go, so
                // the one there now goes (or, if none is left, there is nothing to remove).
                channel = tenancy.requireOwned(principal, instance.instanceId()).channel();
            }
        }
        throw ApiException.changedConcurrently();
    }
}
