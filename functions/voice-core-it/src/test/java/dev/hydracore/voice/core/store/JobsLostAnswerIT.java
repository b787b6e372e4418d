package dev.hydracore.voice.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.aws.AwsClients;
import dev.hydracore.voice.core.aws.RetryPolicy;
import dev.hydracore.voice.core.crypto.CredentialVault;
import dev.hydracore.voice.testkit.AwsProxy;
import dev.hydracore.voice.testkit.AwsProxy.Fault;
import dev.hydracore.voice.testkit.TestAws;
import java.time.Clock;
import java.time.Duration;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The teardown's jobs (purge jobs and provider clean-up jobs) when a write's answer is lost after
 * it committed ({@code DROP_ANSWER}) or the connection resets before it is forwarded
 * ({@code RESET_BEFORE_FORWARD}, not committed): one job queued, never two or none; a job finished
 * is counted once by the run that finished it; progress recorded is reported as recorded.
 */
class JobsLostAnswerIT {
    static TestAws aws;
    static AwsProxy proxy;
    static DynamoDbClient viaProxy;
    static String table;

    @BeforeAll
    static void setUp() throws Exception {
        aws = TestAws.shared();
        proxy = new AwsProxy(aws.aws().endpoint());
        viaProxy = new AwsClients(
                        aws.aws().region(), proxy.endpoint(), aws.aws().credentials(), RetryPolicy.SWEEPER)
                .dynamo();
        table = aws.resources().tableName();
    }

    @AfterEach
    void noFaultLeft() {
        proxy.clearFaults();
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @ParameterizedTest
    @EnumSource(
            value = Fault.class,
            names = {"DROP_ANSWER", "RESET_BEFORE_FORWARD"})
    void aPurgeJobQueuedThenFinishedThroughLostAnswersIsOneJobCountedOnce(Fault fault) {
        String iid = UUID.randomUUID().toString();
        PurgeJobs jobs = purgeJobs(viaProxy);
        proxy.nextMatching(AwsProxy.PUT_ITEM, body -> body.contains(iid), fault);
        jobs.queue(iid);
        assertTrue(purgeJob(iid).isPresent(), "the job is queued");

        proxy.nextMatching(AwsProxy.UPDATE_ITEM, body -> body.contains(iid), fault);
        proxy.nextMatching(AwsProxy.DELETE_ITEM, body -> body.contains(iid), fault);
        PurgeJobs.Result run = jobs.work(Duration.ofSeconds(30), onlyFor(iid));
        assertEquals(1, run.jobsFinished(), "the run that finished the job counts it, once");
        // (Not jobsLeft: other tests' jobs in this emulator are held back by onlyFor and count as left.)
        assertTrue(purgeJob(iid).isEmpty(), "the job and its tombstone are gone");

        PurgeJobs.Result again = jobs.work(Duration.ofSeconds(30), onlyFor(iid));
        assertEquals(0, again.jobsFinished(), "nothing is counted twice");
    }

    @ParameterizedTest
    @EnumSource(
            value = Fault.class,
            names = {"DROP_ANSWER", "RESET_BEFORE_FORWARD"})
    void aTombstoneLeftByAStoppedRunIsRemovedUncountedAndAReQueueIsNotLost(Fault fault) {
        String iid = UUID.randomUUID().toString();
        PurgeJobs direct = purgeJobs(aws.dynamo());
        direct.queue(iid);
        // A run tombstones the job, then every attempt of its delete fails: it stops there.
        proxy.nextMatching(AwsProxy.UPDATE_ITEM, body -> body.contains(iid), fault);
        for (int i = 0; i < RetryPolicy.SWEEPER.attempts(); i++) {
            proxy.nextMatching(AwsProxy.DELETE_ITEM, body -> body.contains(iid), Fault.RESET_BEFORE_FORWARD);
        }
        try {
            purgeJobs(viaProxy).work(Duration.ofSeconds(30), onlyFor(iid));
        } catch (RuntimeException expected) {
            // the run was interrupted after its tombstone committed
        }
        proxy.clearFaults();
        assertTrue(purgeJob(iid).orElseThrow().containsKey(PurgeJobs.FINISHED_BY));
        assertEquals(0, direct.work(Duration.ofSeconds(30), onlyFor(iid)).jobsFinished());
        assertTrue(purgeJob(iid).isEmpty(), "the next run removed the tombstone");

        // A teardown's re-queue after a tombstone is a new job: the next run finishes it.
        direct.queue(iid);
        assertEquals(1, direct.work(Duration.ofSeconds(30), onlyFor(iid)).jobsFinished());
    }

    @ParameterizedTest
    @EnumSource(
            value = Fault.class,
            names = {"DROP_ANSWER", "RESET_BEFORE_FORWARD"})
    void aCleanupJobQueuedListedAndProgressedThroughLostAnswersIsOneJobWithItsProgress(Fault fault) {
        String iid = UUID.randomUUID().toString();
        CleanupJobs jobs = new CleanupJobs(viaProxy, table, Clock.systemUTC());
        CleanupJobs.Job job = jobs.newTeardownJob(
                iid,
                "gen-" + iid,
                "twilio",
                "AC" + UUID.randomUUID().toString().replace("-", ""),
                new CredentialVault.Sealed(new byte[] {1, 2, 3}, new byte[] {4, 5, 6}),
                List.of());
        proxy.nextMatching(AwsProxy.PUT_ITEM, body -> body.contains(iid), fault);
        jobs.queue(job);
        List<CleanupJobs.Job> queued = cleanupJobsOf(iid);
        assertEquals(1, queued.size(), "one job, not two");
        assertTrue(queued.getFirst().callsToList());

        proxy.nextMatching(AwsProxy.UPDATE_ITEM, body -> body.contains(iid), fault);
        assertTrue(jobs.listed(queued.getFirst(), List.of("CA1", "CA2")), "our listing, not another run's");
        CleanupJobs.Job listed = cleanupJobsOf(iid).getFirst();
        assertFalse(listed.callsToList());
        assertEquals(Set.of("CA1", "CA2"), Set.copyOf(listed.calls()));
        assertFalse(jobs.listed(queued.getFirst(), List.of("CA3")), "a second listing is refused");

        proxy.nextMatching(AwsProxy.UPDATE_ITEM, body -> body.contains(iid), fault);
        assertTrue(jobs.progress(listed, List.of(), List.of("CA2"), 42), "our progress, not another run's");
        CleanupJobs.Job progressed = cleanupJobsOf(iid).getFirst();
        assertEquals(1, progressed.attempts(), "one attempt recorded, not two");
        assertEquals(List.of("CA2"), progressed.calls());
        assertEquals(42, progressed.nextAttemptAt());
        assertFalse(jobs.progress(listed, List.of(), List.of(), 43), "progress on a stale read is refused");

        proxy.nextMatching(AwsProxy.DELETE_ITEM, body -> body.contains(iid), fault);
        jobs.finish(progressed);
        assertTrue(cleanupJobsOf(iid).isEmpty());
    }

    private static PurgeJobs purgeJobs(DynamoDbClient dynamo) {
        return new PurgeJobs(dynamo, table, new CallRecordPurge(dynamo, table, Optional.empty()), Clock.systemUTC());
    }

    private static Optional<Map<String, AttributeValue>> purgeJob(String iid) {
        Map<String, AttributeValue> item = aws.dynamo()
                .getItem(g ->
                        g.tableName(table).key(TableLayout.purgeJobKey(iid)).consistentRead(true))
                .item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item);
    }

    private static List<CleanupJobs.Job> cleanupJobsOf(String iid) {
        return new CleanupJobs(aws.dynamo(), table, Clock.systemUTC())
                .due(Long.MAX_VALUE, Integer.MAX_VALUE).stream()
                        .filter(j -> j.instanceId().equals(iid))
                        .toList();
    }

    /** Holds every other instance's job (the emulator's PURGE partition is shared with other tests). */
    private static Supplier<Set<String>> onlyFor(String iid) {
        Set<String> others = new AbstractSet<>() {
            @Override
            public boolean contains(Object o) {
                return !iid.equals(o);
            }

            @Override
            public Iterator<String> iterator() {
                throw new UnsupportedOperationException("a predicate, not a collection");
            }

            @Override
            public int size() {
                throw new UnsupportedOperationException("a predicate, not a collection");
            }
        };
        return () -> others;
    }
}
