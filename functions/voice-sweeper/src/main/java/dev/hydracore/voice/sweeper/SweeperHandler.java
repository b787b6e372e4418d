package dev.hydracore.voice.sweeper;

import dev.hydracore.voice.core.FunctionHandler;
import dev.hydracore.voice.core.Invocation;
import dev.hydracore.voice.core.JsonStreams;
import dev.hydracore.voice.core.Log;
import dev.hydracore.voice.core.Metrics;
import dev.hydracore.voice.core.Overlap;
import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.aws.RetryPolicy;
import dev.hydracore.voice.core.provider.ProviderCleanup;
import dev.hydracore.voice.core.store.CallTransitions;
import dev.hydracore.voice.core.store.InboundAdmissions;
import dev.hydracore.voice.core.store.PurgeJobs;
import dev.hydracore.voice.core.store.RetryLaterException;
import dev.hydracore.voice.core.store.SweepIndex;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Scheduled (EventBridge, every minute): ends the calls whose end never arrived once they pass
 * the maximum call duration, so {@code active_calls} stops counting them. Reads only the sparse
 * sweep index (active calls, sharded by start time), never the table; each end is the webhook's
 * own conditional transition, so it is safe alongside webhooks and other sweeper runs. Then it
 * works through the purge jobs teardowns queued, within {@link #PURGE_BUDGET}, and the provider
 * clean-ups (restore the numbers, hang up the calls) within {@link #CLEANUP_BUDGET}.
 *
 * <p>SnapStart ({@link FunctionHandler}): priming runs the sweep's query path with a cutoff no call
 * can be before (sweep keys are start times, never negative), so only Queries happen and nothing
 * is ended.
 */
public final class SweeperHandler extends FunctionHandler {
    /**
     * The most of a run spent on teardowns' purge jobs (the function's timeout is 120 s): 20,000
     * records take a few runs, and a run always leaves time for the overdue calls.
     */
    static final Duration PURGE_BUDGET = Duration.ofSeconds(60);

    /**
     * The most of a run spent on provider clean-ups (each request at most 3 s): after the purge, so
     * a run ends within 60 + 40 s plus the sweep, inside the 120 s timeout.
     */
    static final Duration CLEANUP_BUDGET = Duration.ofSeconds(40);

    /** Priming's cutoff: before every possible start time, so every shard's Query matches nothing. */
    static final long PRIMING_CUTOFF = -1;

    /** The route its invocation line names: the EventBridge schedule that invokes it. */
    static final String ROUTE = "schedule";

    private final SweepIndex calls;
    private final InboundAdmissions admissions;
    private final PurgeJobs purgeJobs;
    private final ProviderCleanup cleanup;
    private final Clock clock;
    private final Duration maxCall;

    /** Lambda's entry: wires real clients from the function's environment. */
    public SweeperHandler() {
        this(Services.fromEnvironment(RetryPolicy.SWEEPER));
    }

    public SweeperHandler(Services services) {
        super(services);
        this.calls = services.sweepIndex();
        this.admissions = services.inboundAdmissions();
        this.purgeJobs = services.purgeJobs();
        this.cleanup = services.providerCleanup();
        this.clock = services.clock();
        this.maxCall = services.settings().maxCallDuration();
    }

    public Summary sweep() {
        long now = clock.millis();
        return sweep(now - maxCall.toMillis(), now);
    }

    /** Ends the active calls that started before {@code cutoff} (epoch millis). */
    Summary sweep(long cutoff) {
        return sweep(cutoff, PRIMING_CUTOFF);
    }

    /**
     * Ends the active calls that started before {@code cutoff} and releases the admissions whose
     * claim window ended before {@code admissionCutoff} (epoch millis).
     */
    Summary sweep(long cutoff, long admissionCutoff) {
        return run(cutoff, admissionCutoff).summary();
    }

    private Run run(long cutoff, long admissionCutoff) {
        // Every shard's query and the admissions' at once (independent reads: one round of requests
        // instead of nine in a row); the ends below stay one at a time, shard by shard, as before.
        List<Overlap<SweepIndex.Shard>> shards = new ArrayList<>(calls.shards());
        for (int shard = 0; shard < calls.shards(); shard++) {
            int s = shard;
            shards.add(Overlap.start("sweep-shard-" + s, () -> calls.scan(s, cutoff)));
        }
        Overlap<List<InboundAdmissions.AdmissionKey>> unclaimed =
                Overlap.start("sweep-admissions", () -> admissions.unclaimedBefore(admissionCutoff));
        int ended = 0;
        int orphans = 0;
        int contended = 0;
        int active = 0;
        for (Overlap<SweepIndex.Shard> overlap : shards) {
            SweepIndex.Shard shard = overlap.join();
            active += shard.activeCalls();
            for (SweepIndex.CallKey key : shard.overdue()) {
                try {
                    switch (calls.endOverdue(key, cutoff)) {
                        case ENDED -> ended++;
                        case ORPHAN_REMOVED -> orphans++;
                        case NOTHING -> {}
                    }
                } catch (CallTransitions.ContentionException e) {
                    contended++;
                }
            }
        }
        int released = 0;
        for (InboundAdmissions.AdmissionKey key : unclaimed.join()) {
            try {
                if (admissions.release(key)) {
                    released++;
                }
            } catch (CallTransitions.ContentionException e) {
                contended++;
            }
        }
        // Counted as read, before this run's ends: the calls live when the minute began.
        return new Run(new Summary(ended, orphans, contended, released), active);
    }

    /**
     * Works through teardowns' purge jobs for at most {@link #PURGE_BUDGET}, after the provider
     * clean-ups have listed the calls to hang up from the records the purge deletes; an instance
     * whose calls are still unlisted (its teardown came meanwhile) waits for the next run.
     */
    public PurgeJobs.Result purge() {
        cleanup.listCalls();
        return purgeJobs.work(PURGE_BUDGET, cleanup::unlistedInstances);
    }

    /** Works through the due provider clean-ups for at most {@link #CLEANUP_BUDGET}. */
    public ProviderCleanup.Result cleanUp() {
        return cleanup.work(CLEANUP_BUDGET);
    }

    @Override
    protected void prime() {
        sweep(PRIMING_CUTOFF).toJson();
    }

    @Override
    protected void invoke(InputStream input, OutputStream output) throws IOException {
        input.readAllBytes(); // the scheduled event carries nothing we need
        Invocation invocation = Invocation.current().route(ROUTE).message("sweep finished");
        long now = clock.millis();
        Run run = run(now - maxCall.toMillis(), now);
        Summary s = run.summary();
        // Overdue calls first (they keep counting until ended), then what teardowns left to delete.
        try {
            PurgeJobs.Result purged = purge();
            invocation
                    .count("purge_jobs_finished", purged.jobsFinished())
                    .count("records_deleted", purged.recordsDeleted())
                    .count("purge_jobs_left", purged.jobsLeft() ? 1 : 0);
        } catch (RetryLaterException | SdkException e) {
            // The jobs stay queued and the next run resumes them; the sweep above is done either way.
            Log.warn("purge jobs interrupted", "exception", e.getClass().getSimpleName());
        }
        ProviderCleanup.Result cleaned = ProviderCleanup.Result.NONE;
        try {
            cleaned = cleanUp();
        } catch (RetryLaterException | SdkException e) {
            // The jobs stay queued and the next run resumes them.
            Log.warn("provider clean-ups interrupted", "exception", e.getClass().getSimpleName());
        }
        invocation
                .count("cleanups_finished", cleaned.finished())
                .count("cleanups_retrying", cleaned.retrying())
                .count("cleanups_given_up", cleaned.gaveUp())
                .metric(Metrics.PROVIDER_CLEANUPS_FINISHED, Metrics.COUNT, cleaned.finished(), List.of(List.of()))
                .metric(Metrics.PROVIDER_CLEANUPS_RETRYING, Metrics.COUNT, cleaned.retrying(), List.of(List.of()))
                .metric(Metrics.PROVIDER_CLEANUPS_GIVEN_UP, Metrics.COUNT, cleaned.gaveUp(), List.of(List.of()));
        // Each restore's and hang-up's outcome, 0 included, so every graph and alarm has a point a minute.
        for (ProviderCleanup.Outcome o : ProviderCleanup.Outcome.values()) {
            invocation.metric(o.metric(), Metrics.COUNT, cleaned.count(o), List.of(List.of()));
        }
        invocation
                .count("ended", s.ended())
                .count("orphans_removed", s.orphansRemoved())
                .count("contended", s.contended())
                .count("admissions_released", s.admissionsReleased())
                .metric(Metrics.CALLS_ENDED_BY_SWEEPER, Metrics.COUNT, s.ended(), List.of(List.of()))
                .metric(Metrics.ACTIVE_CALLS, Metrics.COUNT, run.activeCalls(), List.of(List.of()));
        output.write(s.toJson().getBytes(StandardCharsets.UTF_8));
    }

    /** A run's summary and the active calls across every instance it read (the dashboard's total). */
    private record Run(Summary summary, int activeCalls) {}

    /**
     * What one run did; {@code contended}: calls left for the next run after losing too many races;
     * {@code admissionsReleased}: Retell admissions no call claimed within their window.
     */
    public record Summary(int ended, int orphansRemoved, int contended, int admissionsReleased) {
        public Summary(int ended, int orphansRemoved, int contended) {
            this(ended, orphansRemoved, contended, 0);
        }

        String toJson() {
            return JsonStreams.write(g -> {
                g.writeStartObject();
                g.writeNumberField("ended", ended);
                g.writeNumberField("orphans_removed", orphansRemoved);
                g.writeNumberField("contended", contended);
                g.writeNumberField("admissions_released", admissionsReleased);
                g.writeEndObject();
            });
        }
    }
}
