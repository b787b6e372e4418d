package dev.hydracore.voice.core.provider;

import dev.hydracore.voice.core.Deadline;
import dev.hydracore.voice.core.Log;
import dev.hydracore.voice.core.Metrics;
import dev.hydracore.voice.core.calls.CallRecord;
import dev.hydracore.voice.core.channel.VoiceProvider;
import dev.hydracore.voice.core.crypto.CredentialVault;
import dev.hydracore.voice.core.store.ActiveCallsIndex;
import dev.hydracore.voice.core.store.ChannelRecord;
import dev.hydracore.voice.core.store.ChannelStore;
import dev.hydracore.voice.core.store.CleanupJobs;
import dev.hydracore.voice.core.store.InstanceRecord;
import dev.hydracore.voice.core.store.InstanceStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Works through the provider clean-up jobs (the sweeper runs it every minute): restores each
 * object only where our value still holds, hangs up each call (already over counts as done),
 * retries what failed with exponential backoff (1 min doubling, at most 1 h apart) until done or
 * {@link CleanupJobs#LIFETIME} after the job was queued, then gives up. The job, with the sealed
 * credentials in it, is deleted when it ends either way. Each outcome is one log line (instance,
 * job, what; never a credential) and one count of its {@link Outcome}; the run's counts (jobs and
 * outcomes) become the sweeper's metrics.
 *
 * <p>A teardown's job acts only once its channel generation is gone: a job left by a teardown
 * whose removal failed finds the channel still there, waits, and is dropped after
 * {@link #ORPHAN_AFTER}. An object that the instance's current channel (set up again since) has
 * wired itself is left to that channel. A setup that came before the job ran found the object still
 * holding our values and stored those as its previous ones: where the channel's previous value of
 * a field is the value this job was to take away, the job hands its own previous value over to
 * the channel ({@link ChannelStore#replaceWiring}, conditional on the channel's generation and
 * wiring as read) before it lets the object go, so the next teardown gives the object back what it
 * had before our first setup. A hand-over that meets a concurrent change keeps the object in the
 * job, and the next attempt decides again on what is stored then.
 */
public final class ProviderCleanup {
    /** The pause after a first failed attempt; doubled after each, at most {@link #MAX_PAUSE}. */
    static final Duration FIRST_PAUSE = Duration.ofMinutes(1);

    static final Duration MAX_PAUSE = Duration.ofHours(1);

    /** How long a teardown's job waits for its channel to be gone before it counts as a failed teardown's. */
    static final Duration ORPHAN_AFTER = Duration.ofMinutes(5);

    /**
     * The last attempt's distance from the end of a job's lifetime: a sweeper run (every minute,
     * at most its timeout long) that finds the job due then still ends it within the lifetime.
     */
    static final Duration LAST_ATTEMPT_MARGIN = Duration.ofMinutes(3);

    /** Jobs taken per run at most; the rest wait for the next run. */
    static final int JOBS_PER_RUN = 50;

    private final CleanupJobs jobs;
    private final InstanceStore instances;
    private final ChannelStore channels;
    private final ActiveCallsIndex activeCalls;
    /** Built on first use: a run with no job due needs no KMS key. */
    private final Supplier<CredentialVault> vault;

    private final Providers providers;
    private final Clock clock;

    public ProviderCleanup(
            CleanupJobs jobs,
            InstanceStore instances,
            ChannelStore channels,
            ActiveCallsIndex activeCalls,
            Supplier<CredentialVault> vault,
            Providers providers,
            Clock clock) {
        this.jobs = jobs;
        this.instances = instances;
        this.channels = channels;
        this.activeCalls = activeCalls;
        this.vault = vault;
        this.providers = providers;
        this.clock = clock;
    }

    /**
     * Lists, for every teardown's job not listed yet, the calls of its dead generation that have
     * not ended (overdue ones too: they may be phantoms still billed), from the records the purge
     * is about to delete. The sweeper purges only after this returned (a failure here throws, and
     * that run purges nothing).
     */
    public int listCalls() {
        int listed = 0;
        for (CleanupJobs.Job job : jobs.toList()) {
            List<String> calls = activeCalls.view(job.instanceId()).calls().stream()
                    .filter(c -> job.generation().equals(c.generation()))
                    .map(CallRecord::callId)
                    .toList();
            if (jobs.listed(job, calls)) {
                listed++;
                Log.info(
                        "provider cleanup: calls listed",
                        "instance_id",
                        job.instanceId(),
                        "job_id",
                        job.jobId(),
                        "calls",
                        Integer.toString(calls.size()));
            }
        }
        return listed;
    }

    /** The instances with a teardown's job whose calls are not listed yet: their records must stay. */
    public Set<String> unlistedInstances() {
        return jobs.toList().stream().map(CleanupJobs.Job::instanceId).collect(Collectors.toSet());
    }

    /** Takes the due jobs one by one until none is left or {@code budget} is spent. */
    public Result work(Duration budget) {
        Deadline run = Deadline.in(budget);
        Result total = Result.NONE;
        for (CleanupJobs.Job job : jobs.due(clock.millis(), JOBS_PER_RUN)) {
            if (run.passed()) {
                break;
            }
            total = total.plus(attempt(job, run));
        }
        return total;
    }

    /** One attempt at one job. */
    Result attempt(CleanupJobs.Job job, Deadline run) {
        long now = clock.millis();
        if (job.callsToList()) {
            return Result.NONE; // listed first, by listCalls
        }
        Optional<ChannelRecord> current = instances.find(job.instanceId()).flatMap(InstanceRecord::channel);
        if (job.afterTeardown()
                && current.isPresent()
                && current.get().generation().equals(job.generation())) {
            if (now - job.createdAt() < ORPHAN_AFTER.toMillis()) {
                return Result.NONE; // the teardown's removal has not committed yet
            }
            jobs.finish(job);
            Log.warn(
                    "provider cleanup dropped: channel still configured",
                    "instance_id",
                    job.instanceId(),
                    "job_id",
                    job.jobId());
            return new Result(1, 0, 0);
        }
        Wiring wiredNow = current.map(c -> Wiring.fromJson(c.wiring())).orElse(Wiring.NONE);
        Wiring handedOver = wiredNow;
        Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        List<Wiring.Wired> restore = new ArrayList<>();
        List<Wiring.Wired> handing = new ArrayList<>();
        List<String> calls = new ArrayList<>(job.calls());
        for (Wiring.Wired w : job.restore()) {
            boolean rewired = wiredNow.objects().stream().anyMatch(c -> c.kind() == w.kind() && c.id().equals(w.id()));
            if (!rewired) {
                restore.add(w);
                continue;
            }
            Wiring next = handOver(handedOver, w);
            if (next.equals(handedOver)) {
                outcomes.merge(Outcome.LEFT_ALONE, 1, Integer::sum);
                Log.info("provider cleanup: object wired again by the current channel, left to it", fields(job, w));
            } else {
                handedOver = next;
                handing.add(w);
            }
        }
        // Objects whose previous values could not be handed over yet: kept, not restored.
        List<Wiring.Wired> kept = new ArrayList<>();
        if (!handing.isEmpty()) {
            if (handOverStored(job, current.orElseThrow(), handedOver)) {
                for (Wiring.Wired w : handing) {
                    outcomes.merge(Outcome.LEFT_ALONE, 1, Integer::sum);
                    Log.info(
                            "provider cleanup: object wired again by the current channel, left to it with the"
                                    + " previous values handed over",
                            fields(job, w));
                }
            } else {
                kept.addAll(handing);
            }
        }
        if (restore.isEmpty() && calls.isEmpty() && kept.isEmpty()) {
            jobs.finish(job);
            Log.info(
                    "provider cleanup finished: nothing to do", "instance_id", job.instanceId(), "job_id", job.jobId());
            return new Result(1, 0, 0, outcomes);
        }
        // Only hand-overs left (kept for the next attempt): no credentials needed now.
        if (!restore.isEmpty() || !calls.isEmpty()) {
            try {
                Map<String, String> credentials = vault.get().open(job.instanceId(), job.sealed());
                VoiceProvider provider = VoiceProvider.fromWire(job.provider()).orElseThrow();
                ProviderSession session = providers.open(provider, job.twilioAccountSid(), credentials);
                restore.removeIf(w -> restored(session, job, w, run, outcomes));
                calls.removeIf(c -> hungUp(session, job, c, run, outcomes));
            } catch (CredentialVault.UnreadableCredentialsException e) {
                jobs.finish(job);
                Log.error(
                        "provider cleanup gave up: credentials unreadable",
                        "instance_id",
                        job.instanceId(),
                        "job_id",
                        job.jobId());
                return new Result(0, 0, 1, outcomes);
            } catch (RuntimeException e) {
                // KMS or DynamoDB failed: the job stays as it is and is tried again.
                Log.warn(
                        "provider cleanup interrupted",
                        "instance_id",
                        job.instanceId(),
                        "job_id",
                        job.jobId(),
                        "exception",
                        e.getClass().getSimpleName());
            }
        }
        if (restore.isEmpty() && calls.isEmpty() && kept.isEmpty()) {
            jobs.finish(job);
            Log.info(
                    "provider cleanup finished",
                    "instance_id",
                    job.instanceId(),
                    "job_id",
                    job.jobId(),
                    "attempts",
                    Integer.toString(job.attempts() + 1));
            return new Result(1, 0, 0, outcomes);
        }
        long giveUpAt = giveUpAt(job);
        if (now >= giveUpAt) {
            jobs.finish(job);
            Log.error(
                    "provider cleanup gave up",
                    "instance_id",
                    job.instanceId(),
                    "job_id",
                    job.jobId(),
                    "objects_left",
                    Integer.toString(restore.size() + kept.size()),
                    "calls_left",
                    Integer.toString(calls.size()));
            return new Result(0, 0, 1, outcomes);
        }
        restore.addAll(kept);
        jobs.progress(job, restore, calls, Math.min(now + pause(job.attempts()).toMillis(), giveUpAt));
        return new Result(0, 1, 0, outcomes);
    }

    /**
     * When a job that has not finished gives up: {@link #LAST_ATTEMPT_MARGIN} before its
     * {@link CleanupJobs#LIFETIME} ends, and no attempt is scheduled later, so with the sweeper
     * running every minute the job and its sealed credentials are gone within the lifetime.
     */
    static long giveUpAt(CleanupJobs.Job job) {
        return job.createdAt() + CleanupJobs.LIFETIME.toMillis() - LAST_ATTEMPT_MARGIN.toMillis();
    }

    /** The pause after failed attempt {@code attempts} (0-based): 1, 2, 4 … minutes, at most an hour. */
    static Duration pause(int attempts) {
        long minutes = FIRST_PAUSE.toMinutes() << Math.min(attempts, 10);
        return minutes >= MAX_PAUSE.toMinutes() ? MAX_PAUSE : Duration.ofMinutes(minutes);
    }

    /**
     * {@code wiring} with {@code job}'s previous values handed over to the channel's own record of
     * the same object, field by field, where the channel's previous value is the one the job set
     * (a setup before the job ran found it still there); {@code wiring} itself when no field is.
     */
    static Wiring handOver(Wiring wiring, Wiring.Wired job) {
        List<Wiring.Wired> objects = new ArrayList<>();
        boolean changed = false;
        for (Wiring.Wired c : wiring.objects()) {
            if (c.kind() != job.kind() || !c.id().equals(job.id())) {
                objects.add(c);
                continue;
            }
            Map<String, String> previous = new LinkedHashMap<>(c.previous());
            for (Map.Entry<String, String> f : c.previous().entrySet()) {
                String set = job.ours().get(f.getKey());
                String before = job.previous().get(f.getKey());
                if (set != null && before != null && set.equals(f.getValue()) && !before.equals(f.getValue())) {
                    previous.put(f.getKey(), before);
                    changed = true;
                }
            }
            objects.add(new Wiring.Wired(c.kind(), c.name(), c.id(), c.account(), previous, c.ours()));
        }
        return changed ? new Wiring(wiring.enabled(), objects) : wiring;
    }

    /** Stores {@code wiring} as the channel's, if the channel and its wiring are still as read. */
    private boolean handOverStored(CleanupJobs.Job job, ChannelRecord channel, Wiring wiring) {
        try {
            if (channels.replaceWiring(job.instanceId(), channel.generation(), channel.wiring(), wiring.toJson())) {
                return true;
            }
            Log.warn(
                    "provider cleanup: hand-over met a concurrent change of the channel, will retry",
                    "instance_id",
                    job.instanceId(),
                    "job_id",
                    job.jobId());
        } catch (RuntimeException e) {
            Log.warn(
                    "provider cleanup: hand-over failed, will retry",
                    "instance_id",
                    job.instanceId(),
                    "job_id",
                    job.jobId(),
                    "exception",
                    e.getClass().getSimpleName());
        }
        return false;
    }

    private static boolean restored(
            ProviderSession session,
            CleanupJobs.Job job,
            Wiring.Wired w,
            Deadline run,
            Map<Outcome, Integer> outcomes) {
        try {
            ProviderWiring.Restored r = ProviderWiring.restore(session, w, run);
            outcomes.merge(Outcome.of(r), 1, Integer::sum);
            Log.info("provider cleanup: " + r.name().toLowerCase(Locale.ROOT).replace('_', ' '), fields(job, w));
            return true;
        } catch (ProviderException e) {
            outcomes.merge(Outcome.RESTORE_FAILED, 1, Integer::sum);
            Log.warn(
                    "provider cleanup: restore failed, will retry",
                    "instance_id",
                    job.instanceId(),
                    "job_id",
                    job.jobId(),
                    "object",
                    w.kind().wire(),
                    "status",
                    Integer.toString(e.status()),
                    "kind",
                    e.kind().name());
            return false;
        }
    }

    private static boolean hungUp(
            ProviderSession session, CleanupJobs.Job job, String callId, Deadline run, Map<Outcome, Integer> outcomes) {
        try {
            ProviderSession.HangUp h = session.hangUp(callId, run);
            outcomes.merge(
                    h == ProviderSession.HangUp.HUNG_UP ? Outcome.HUNG_UP : Outcome.ALREADY_OVER, 1, Integer::sum);
            Log.info(
                    h == ProviderSession.HangUp.HUNG_UP
                            ? "provider cleanup: call hung up"
                            : "provider cleanup: call already over",
                    "instance_id",
                    job.instanceId(),
                    "job_id",
                    job.jobId(),
                    "call_id",
                    callId);
            return true;
        } catch (ProviderException e) {
            outcomes.merge(Outcome.HANG_UP_FAILED, 1, Integer::sum);
            Log.warn(
                    "provider cleanup: hang-up failed, will retry",
                    "instance_id",
                    job.instanceId(),
                    "job_id",
                    job.jobId(),
                    "call_id",
                    callId,
                    "status",
                    Integer.toString(e.status()),
                    "kind",
                    e.kind().name());
            return false;
        }
    }

    private static String[] fields(CleanupJobs.Job job, Wiring.Wired w) {
        return new String[] {
            "instance_id",
            job.instanceId(),
            "job_id",
            job.jobId(),
            "object",
            w.kind().wire(),
            "object_id",
            w.id()
        };
    }

    /**
     * What one restore or hang-up came to, each with its own metric (a count per sweeper run).
     * {@link #LEFT_ALONE}: no field held our value any more (someone changed it since), or the
     * instance's current channel wired the object again; {@link #GONE}: the object is no longer in
     * the account (done).
     */
    public enum Outcome {
        RESTORED(Metrics.PROVIDER_CLEANUP_RESTORED),
        PARTLY_RESTORED(Metrics.PROVIDER_CLEANUP_PARTLY_RESTORED),
        LEFT_ALONE(Metrics.PROVIDER_CLEANUP_LEFT_ALONE),
        GONE(Metrics.PROVIDER_CLEANUP_OBJECTS_GONE),
        RESTORE_FAILED(Metrics.PROVIDER_CLEANUP_RESTORES_FAILED),
        HUNG_UP(Metrics.PROVIDER_CLEANUP_CALLS_HUNG_UP),
        ALREADY_OVER(Metrics.PROVIDER_CLEANUP_CALLS_ALREADY_OVER),
        HANG_UP_FAILED(Metrics.PROVIDER_CLEANUP_HANG_UPS_FAILED);

        private final String metric;

        Outcome(String metric) {
            this.metric = metric;
        }

        /** The metric that counts this outcome. */
        public String metric() {
            return metric;
        }

        static Outcome of(ProviderWiring.Restored r) {
            return switch (r) {
                case RESTORED -> RESTORED;
                case PARTLY_RESTORED -> PARTLY_RESTORED;
                case LEFT_ALONE -> LEFT_ALONE;
                case GONE -> GONE;
            };
        }
    }

    /**
     * Jobs that ended (done or dropped), jobs left to retry, jobs given up, in one run; and how
     * many restores and hang-ups came to each {@link Outcome} (only those that happened).
     */
    public record Result(int finished, int retrying, int gaveUp, Map<Outcome, Integer> outcomes) {
        public static final Result NONE = new Result(0, 0, 0);

        public Result {
            Map<Outcome, Integer> counted = new EnumMap<>(Outcome.class);
            outcomes.forEach((o, n) -> {
                if (n != 0) {
                    counted.put(o, n);
                }
            });
            outcomes = java.util.Collections.unmodifiableMap(counted);
        }

        public Result(int finished, int retrying, int gaveUp) {
            this(finished, retrying, gaveUp, Map.of());
        }

        /** How many restores or hang-ups came to {@code o}; 0 when none did. */
        public int count(Outcome o) {
            return outcomes.getOrDefault(o, 0);
        }

        Result plus(Result o) {
            Map<Outcome, Integer> sum = new EnumMap<>(Outcome.class);
            sum.putAll(outcomes);
            o.outcomes.forEach((k, n) -> sum.merge(k, n, Integer::sum));
            return new Result(finished + o.finished, retrying + o.retrying, gaveUp + o.gaveUp, sum);
        }
    }
}
