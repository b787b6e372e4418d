package dev.hydracore.voice.teardown;

import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.auth.Authenticator;
import dev.hydracore.voice.core.auth.Principal;
import dev.hydracore.voice.core.auth.Tenancy;
import dev.hydracore.voice.core.http.ApiException;
import dev.hydracore.voice.core.http.ApiHandler;
import dev.hydracore.voice.core.http.HttpRequest;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.store.ChannelRecord;
import dev.hydracore.voice.core.store.ChannelStore;
import dev.hydracore.voice.core.store.InstanceRecord;
import dev.hydracore.voice.core.store.PurgeJobs;
import java.util.List;
import java.util.Optional;

/**
 * DELETE /v1/instances/{instance_id}/channels/voice — Teardown Voice.
 *
 * <p>Bounded time however long the call history: a purge job is queued (one PutItem), then the
 * channel (configuration, ciphertexts, counter, generation) goes in one conditional write; the
 * answer is 204. From then on every call-record write fails its generation condition and the dead
 * generation's records neither count nor list; the sweeper deletes them within minutes
 * ({@link PurgeJobs}). The job comes first so a 204 always has one behind it; a job left by a
 * teardown whose removal failed (503) deletes nothing of the live channel. A retry after the 204
 * finds no channel: 404. (Not one transaction: DynamoDB emulators copy the table per transaction,
 * which made the DELETE as slow as the history was long there.)
 */
public final class TeardownVoiceHandler extends ApiHandler {
    private final Authenticator authenticator;
    private final Tenancy tenancy;
    private final ChannelStore channels;
    private final PurgeJobs purgeJobs;

    /** Lambda's entry: wires real clients from the function's environment. */
    public TeardownVoiceHandler() {
        this(Services.fromEnvironment());
    }

    public TeardownVoiceHandler(Services services) {
        super(services);
        this.authenticator = services.authenticator();
        this.tenancy = services.tenancy();
        this.channels = services.channels();
        this.purgeJobs = services.purgeJobs();
    }

    @Override
    protected HttpResponse handle(HttpRequest request) {
        Tenancy.Owned owned = tenancy.authorize(authenticator, request);
        Principal principal = owned.principal();
        InstanceRecord instance = owned.instance();
        String instanceId = instance.instanceId();
        if (instance.channel().isEmpty()) {
            throw ApiException.channelNotConfigured();
        }
        purgeJobs.queue(instanceId);
        if (!removeChannel(principal, instance)) {
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
