package dev.hydracore.voice.core.provider;

import dev.hydracore.voice.core.Deadline;
import dev.hydracore.voice.core.Log;
import dev.hydracore.voice.core.channel.MergedSetup;
import dev.hydracore.voice.core.channel.VoiceField;
import dev.hydracore.voice.core.channel.VoiceProvider;
import dev.hydracore.voice.core.crypto.CredentialVault;
import dev.hydracore.voice.core.store.ChannelRecord;
import dev.hydracore.voice.core.store.CleanupJobs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Setup's provider step (contract, "Provider wiring"), between sealing and the channel's one
 * conditional write: {@link #prepare} makes the provider hold the new configuration's values (or
 * answers 422 / 503 with nothing changed); the caller then stores the channel, and either
 * {@link Change#undo}es (its write failed: the provider is put back) or {@link Change#release}s
 * (the objects the channel no longer uses get their previous values back).
 *
 * <p>Time bound: a setup's provider work, every round of it, ends within {@link #TOTAL} (12 s) of
 * its {@link #deadline()}, inside the function's 20 s timeout and API Gateway's 30 s. Within it:
 * at most {@link #BUDGET} for the reads and writes of the new objects (each request at most
 * {@link ProviderHttp#REQUEST_TIMEOUT}), ending early enough to leave
 * {@link ProviderWiring#UNDO_BUDGET} to put them back on a failure; at most
 * {@link #RELEASE_BUDGET} to restore released objects. A setup that meets a concurrent change
 * undoes its first round and wires again on what is stored now: that second round gets only
 * what the first left of the same deadline (none left: 503, nothing changed), so the two rounds
 * together keep the bound.
 */
public final class SetupWiring {
    /** The whole setup's provider work, across both rounds a concurrent change can cause. */
    public static final Duration TOTAL = Duration.ofSeconds(12);

    /** The reads and writes that wire the new configuration (at most; less when less is left). */
    public static final Duration BUDGET = Duration.ofSeconds(8);

    /** Restoring the objects a re-setup no longer uses; what does not fit is left to a clean-up job. */
    public static final Duration RELEASE_BUDGET = Duration.ofSeconds(4);

    private final Providers providers;
    private final CleanupJobs cleanups;

    public SetupWiring(Providers providers, CleanupJobs cleanups) {
        this.providers = providers;
        this.cleanups = cleanups;
    }

    /** The deadline of one setup's provider work: made once per request, shared by every round. */
    public static Deadline deadline() {
        return Deadline.in(TOTAL);
    }

    /**
     * Wires the provider for {@code merged} (or checks it needs nothing): a 422 for refused
     * credentials or missing objects, a 503 for a provider failure — in both cases nothing is left
     * changed at the provider. {@code storedCredentials} opens the stored bundle (KMS) only if the
     * old objects belong to another account. Every request, and the undo or release that follows,
     * ends by {@code setup} (the request's {@link #deadline()}).
     */
    public Change prepare(
            Deadline setup,
            String instanceId,
            Optional<ChannelRecord> stored,
            MergedSetup merged,
            Map<String, String> credentials,
            CredentialVault.Sealed sealed,
            Supplier<Map<String, String>> storedCredentials,
            String webhookUrl) {
        Wiring before = stored.map(c -> Wiring.fromJson(c.wiring())).orElse(Wiring.NONE);
        boolean enabled = merged.wiringSent().orElse(before.enabled());
        VoiceProvider provider = merged.provider();
        String account = provider == VoiceProvider.PIPECAT ? merged.setting(VoiceField.TWILIO_ACCOUNT_SID) : "";
        List<Wiring.Wanted> wanted = !enabled
                ? List.of()
                : provider == VoiceProvider.PIPECAT
                        ? ProviderWiring.twilio(account, merged.setting(VoiceField.TWILIO_PHONE_NUMBER), webhookUrl)
                        : ProviderWiring.retell(
                                merged.setting(VoiceField.AGENT_ID),
                                merged.setting(VoiceField.PHONE_NUMBER),
                                webhookUrl);
        boolean sameAccount = stored.isPresent()
                && provider.wire().equals(stored.get().provider())
                && (provider != VoiceProvider.PIPECAT
                        || account.equals(stored.get().twilioAccountSid()));
        List<Wiring.Wired> reusable = sameAccount ? before.objects() : List.of();
        if (wanted.isEmpty() && before.objects().isEmpty()) {
            return new Change(
                    this, setup, instanceId, new Wiring(enabled, List.of()), null, List.of(), List.of(), null, sealed);
        }
        ProviderSession session = providers.open(provider, account, credentials);
        ProviderWiring.Plan plan;
        try {
            plan = ProviderWiring.wire(
                    session,
                    reusable,
                    wanted,
                    setup.within(BUDGET, ProviderWiring.UNDO_BUDGET),
                    () -> setup.within(ProviderWiring.UNDO_BUDGET, Duration.ZERO));
        } catch (ProviderWiring.Failed f) {
            logFailure(instanceId, f.getCause());
            if (!f.notPutBack().isEmpty()) {
                leaveToCleanup(
                        instanceId, new Release(session, provider.wire(), account, sealed), unwired(f.notPutBack()));
            }
            throw Providers.unavailable();
        } catch (ProviderException e) {
            logFailure(instanceId, e);
            throw Providers.unavailable();
        }
        List<Wiring.Wired> released = sameAccount ? plan.released() : before.objects();
        Release release = released.isEmpty()
                ? null
                : sameAccount
                        ? new Release(session, provider.wire(), account, sealed)
                        : oldSession(stored.orElseThrow(), storedCredentials);
        return new Change(
                this,
                setup,
                instanceId,
                new Wiring(enabled, plan.wired()),
                session,
                plan.done(),
                released,
                release,
                sealed);
    }

    private static void logFailure(String instanceId, ProviderException e) {
        Log.warn(
                "provider wiring failed",
                "instance_id",
                instanceId,
                "kind",
                e.kind().name(),
                "status",
                Integer.toString(e.status()));
    }

    /** Writes that may still hold our values, as objects for a clean-up to restore where they do. */
    static List<Wiring.Wired> unwired(List<ProviderWiring.Write> writes) {
        return writes.stream()
                .map(w -> new Wiring.Wired(w.kind(), w.id(), w.id(), "", w.before(), w.values()))
                .toList();
    }

    /** The session of the account the stored channel wired, opened with its stored credentials. */
    private Release oldSession(ChannelRecord c, Supplier<Map<String, String>> storedCredentials) {
        VoiceProvider old = VoiceProvider.fromWire(c.provider()).orElseThrow();
        try {
            return new Release(
                    providers.open(old, c.twilioAccountSid(), storedCredentials.get()),
                    c.provider(),
                    c.twilioAccountSid(),
                    c.sealed());
        } catch (CredentialVault.UnreadableCredentialsException e) {
            return null; // nothing can restore the old account's objects: logged at release
        }
    }

    /** Queues what could not be done now for the sweeper's clean-up; a failure to queue is logged. */
    void leaveToCleanup(String instanceId, Release r, List<Wiring.Wired> objects) {
        try {
            cleanups.queue(cleanups.newJob(
                    instanceId, false, null, r.provider(), r.account(), r.sealed(), objects, List.of()));
            Log.warn(
                    "provider restore left to the clean-up",
                    "instance_id",
                    instanceId,
                    "objects",
                    Integer.toString(objects.size()));
        } catch (RuntimeException e) {
            Log.error(
                    "provider restore lost: could not queue the clean-up",
                    "instance_id",
                    instanceId,
                    "objects",
                    Integer.toString(objects.size()),
                    "exception",
                    e.getClass().getSimpleName());
        }
    }

    /** The account the released objects are restored through, and the sealed credentials a clean-up would need. */
    record Release(ProviderSession session, String provider, String account, CredentialVault.Sealed sealed) {}

    /** A prepared provider change, for the caller to undo (its write failed) or release (it succeeded). */
    public static final class Change {
        private final SetupWiring owner;
        private final Deadline setup;
        private final String instanceId;
        private final Wiring wiring;
        private final ProviderSession session;
        private final List<ProviderWiring.Write> done;
        private final List<Wiring.Wired> released;
        private final Release release;
        private final CredentialVault.Sealed sealed;

        Change(
                SetupWiring owner,
                Deadline setup,
                String instanceId,
                Wiring wiring,
                ProviderSession session,
                List<ProviderWiring.Write> done,
                List<Wiring.Wired> released,
                Release release,
                CredentialVault.Sealed sealed) {
            this.owner = owner;
            this.setup = setup;
            this.instanceId = instanceId;
            this.wiring = wiring;
            this.session = session;
            this.done = List.copyOf(done);
            this.released = List.copyOf(released);
            this.release = release;
            this.sealed = sealed;
        }

        /** What to store with the channel. */
        public Wiring wiring() {
            return wiring;
        }

        /** The provider writes this setup made (none when nothing needed changing). */
        public int writes() {
            return done.size();
        }

        /** The channel could not be stored: put back what this setup changed at the provider. */
        public void undo() {
            if (done.isEmpty()) {
                return;
            }
            List<ProviderWiring.Write> failed =
                    ProviderWiring.undo(session, done, setup.within(ProviderWiring.UNDO_BUDGET, Duration.ZERO));
            if (!failed.isEmpty()) {
                Release r = new Release(session, providerOf(failed.get(0).kind()), accountOf(), sealed);
                owner.leaveToCleanup(instanceId, r, unwired(failed));
            }
        }

        /** The channel is stored: give the objects it no longer uses their previous values back. */
        public void release() {
            if (released.isEmpty()) {
                return;
            }
            if (release == null) {
                Log.error(
                        "provider restore impossible: stored credentials unreadable",
                        "instance_id",
                        instanceId,
                        "objects",
                        Integer.toString(released.size()));
                return;
            }
            Deadline d = setup.within(RELEASE_BUDGET, Duration.ZERO);
            List<Wiring.Wired> left = new java.util.ArrayList<>();
            for (Wiring.Wired w : released) {
                try {
                    ProviderWiring.restore(release.session(), w, d);
                } catch (ProviderException e) {
                    left.add(w);
                }
            }
            if (!left.isEmpty()) {
                owner.leaveToCleanup(instanceId, release, left);
            }
        }

        private String accountOf() {
            return wiring.objects().isEmpty() ? "" : wiring.objects().get(0).account();
        }

        private static String providerOf(ProviderObject kind) {
            return kind == ProviderObject.TWILIO_NUMBER ? VoiceProvider.PIPECAT.wire() : VoiceProvider.RETELL.wire();
        }
    }
}
