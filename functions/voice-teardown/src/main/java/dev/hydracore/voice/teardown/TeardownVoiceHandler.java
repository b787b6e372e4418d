package dev.hydracore.voice.teardown;

import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.auth.Authenticator;
import dev.hydracore.voice.core.auth.Principal;
import dev.hydracore.voice.core.auth.Tenancy;
import dev.hydracore.voice.core.http.ApiException;
import dev.hydracore.voice.core.http.ApiHandler;
import dev.hydracore.voice.core.http.HttpRequest;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.provider.Wiring;
import dev.hydracore.voice.core.store.ChannelRecord;
import dev.hydracore.voice.core.store.ChannelStore;
import dev.hydracore.voice.core.store.CleanupJobs;
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
 *
 * <p>The provider side (contract, "Provider wiring") is not done here but queued, beside the purge
 * job and before the removal, as a clean-up job ({@link CleanupJobs}): the objects setup wired and
 * the calls still live, with a copy of the channel's sealed credentials. The sweeper restores and
 * hangs up on its next run (within a minute of the 204), retrying until done or 24 h.
 */
public final class TeardownVoiceHandler extends ApiHandler {
    private final Authenticator authenticator;
    private final Tenancy tenancy;
    private final ChannelStore channels;
    private final PurgeJobs purgeJobs;
    private final CleanupJobs cleanupJobs;

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
        this.cleanupJobs = services.cleanupJobs();
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
        // The clean-up job before the purge job: a sweeper that sees the purge job sees the clean-up,
        // and lists the calls to hang up before it deletes their records.
        queueProviderCleanup(instanceId, instance.channel().get());
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

    /**
     * The clean-up of what the channel has at the provider: the objects it wired (none when
     * provider_wiring is off) and the calls that have not ended, which the sweeper lists from the
     * dead generation's records before it purges them (the DELETE reads no call record). Nothing
     * is queued for a channel that wired nothing and counts no active call.
     */
    private void queueProviderCleanup(String instanceId, ChannelRecord channel) {
        List<Wiring.Wired> wired = Wiring.fromJson(channel.wiring()).objects();
        if (wired.isEmpty() && channel.activeCalls() == 0) {
            return;
        }
        cleanupJobs.queue(cleanupJobs.newTeardownJob(
                instanceId,
                channel.generation(),
                channel.provider(),
                channel.twilioAccountSid(),
                channel.sealed(),
                wired));
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
