package dev.hydracore.voice.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.aws.AwsClients;
import dev.hydracore.voice.core.aws.RetryPolicy;
import dev.hydracore.voice.core.calls.CallRecord;
import dev.hydracore.voice.core.calls.CallState;
import dev.hydracore.voice.testkit.AwsProxy;
import dev.hydracore.voice.testkit.AwsProxy.Fault;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestChannels;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The deletes whose answer is lost after commit ({@code DROP_ANSWER}) or that were never forwarded
 * ({@code RESET_BEFORE_FORWARD}): an unregistration is reported as done, not "not registered"; the
 * sweeper's release of an unclaimed admission is reported (and so tallied) once, the counter
 * taken down once, and the release leaves nothing behind; the sweeper's removal of an orphaned
 * call record is reported as removed, not as nothing done.
 */
class DeletesLostAnswerIT {
    static TestAws aws;
    static TestChannels channels;
    static AwsProxy proxy;
    static DynamoDbClient viaProxy;
    static String table;

    @BeforeAll
    static void setUp() throws Exception {
        aws = TestAws.shared();
        channels = new TestChannels(aws);
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
    void anUnregistrationWhoseAnswerIsLostIsUnregistered(Fault fault) {
        TestAws.TestCaller caller = aws.newCaller();
        String iid = aws.registerInstance(caller);
        InstanceStore instances = new InstanceStore(viaProxy, table, Clock.systemUTC());
        proxy.nextMatching(AwsProxy.DELETE_ITEM, body -> body.contains(iid), fault);
        assertEquals(InstanceStore.Unregistration.UNREGISTERED, instances.unregister(iid));
        assertTrue(instances.find(iid).isEmpty());
        assertEquals(InstanceStore.Unregistration.NOT_REGISTERED, instances.unregister(iid));

        String configured = aws.registerInstance(caller);
        channels.retell(caller, configured, "key_" + UUID.randomUUID());
        assertEquals(InstanceStore.Unregistration.CHANNEL_CONFIGURED, instances.unregister(configured));
        assertTrue(instances.find(configured).isPresent());
    }

    @ParameterizedTest
    @EnumSource(
            value = Fault.class,
            names = {"DROP_ANSWER", "RESET_BEFORE_FORWARD"})
    void aReleaseWhoseAnswerIsLostIsCountedOnceAndLeavesNothing(Fault fault) {
        TestAws.TestCaller caller = aws.newCaller();
        String iid = aws.registerInstance(caller);
        channels.retell(caller, iid, "key_" + UUID.randomUUID(), OptionalLong.of(2));
        InboundAdmissions direct = new InboundAdmissions(aws.dynamo(), aws.settings(), Clock.systemUTC());
        ChannelRecord channel = new InstanceStore(aws.dynamo(), table, Clock.systemUTC())
                .find(iid)
                .orElseThrow()
                .channel()
                .orElseThrow();
        String admission = direct.admit(iid, channel).admissionId().orElseThrow();
        assertEquals(1, counter(iid));

        InboundAdmissions.AdmissionKey key = new InboundAdmissions.AdmissionKey(iid, admission);
        proxy.nextMatching(AwsProxy.TRANSACT_WRITE_ITEMS, body -> body.contains(iid), fault);
        assertTrue(
                new InboundAdmissions(viaProxy, aws.settings(), Clock.systemUTC()).release(key),
                "our release, reported once");
        assertEquals(0, counter(iid), "taken off the counter once");
        assertTrue(item(TableLayout.admissionKey(iid, admission)).isEmpty(), "the admission is gone");
        assertTrue(item(TableLayout.admissionReleaseKey(iid, admission)).isEmpty(), "no receipt left");
        assertFalse(direct.release(key), "nothing left to release");
        assertEquals(0, counter(iid));
    }

    @ParameterizedTest
    @EnumSource(
            value = Fault.class,
            names = {"DROP_ANSWER", "RESET_BEFORE_FORWARD"})
    void anOrphanRemovalWhoseAnswerIsLostIsReportedAsRemoved(Fault fault) {
        TestAws.TestCaller caller = aws.newCaller();
        String iid = aws.registerInstance(caller);
        long fiveHoursAgo = System.currentTimeMillis() - Duration.ofHours(5).toMillis();
        // Left by an interrupted teardown: a generation the instance no longer has, counted nowhere.
        CallRecord orphan = new CallRecord(
                iid,
                "call_orphan",
                CallState.IN_PROGRESS,
                fiveHoursAgo,
                "+14155550153",
                2,
                "generation-gone",
                3,
                null,
                fiveHoursAgo / 1000 + 4 * 3600 + 86_400);
        aws.dynamo().putItem(p -> p.tableName(table).item(CallItems.toItem(orphan)));
        SweepIndex sweep = new SweepIndex(
                viaProxy, aws.settings(), new CallTransitions(viaProxy, aws.settings(), Clock.systemUTC()));
        SweepIndex.CallKey key = new SweepIndex.CallKey(iid, "call_orphan");
        long cutoff = System.currentTimeMillis() - Duration.ofHours(4).toMillis();

        proxy.nextMatching(AwsProxy.DELETE_ITEM, body -> body.contains(iid), fault);
        assertEquals(SweepIndex.SweepOutcome.ORPHAN_REMOVED, sweep.endOverdue(key, cutoff));
        assertTrue(item(TableLayout.callKey(iid, "call_orphan")).isEmpty(), "the orphan is gone");
        assertEquals(SweepIndex.SweepOutcome.NOTHING, sweep.endOverdue(key, cutoff), "nothing left to remove");
    }

    private static long counter(String iid) {
        return TableLayout.num(item(TableLayout.instanceKey(iid)), TableLayout.ACTIVE_CALLS, -1);
    }

    private static Map<String, AttributeValue> item(Map<String, AttributeValue> key) {
        Map<String, AttributeValue> item = aws.dynamo()
                .getItem(g -> g.tableName(table).key(key).consistentRead(true))
                .item();
        return item == null ? Map.of() : item;
    }
}
