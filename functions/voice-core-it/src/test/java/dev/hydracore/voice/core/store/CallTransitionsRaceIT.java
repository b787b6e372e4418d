package dev.hydracore.voice.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.calls.CallEvent;
import dev.hydracore.voice.core.calls.CallRecord;
import dev.hydracore.voice.core.calls.CallState;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.testkit.TestChannels;
import dev.hydracore.voice.testkit.TestChannels.Channel;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The races the concurrency test can only hit by chance, forced step by step: an event read before
 * a teardown and written after it, two deliveries of one event read before either writes, and call
 * records left behind by an interrupted teardown.
 */
class CallTransitionsRaceIT {
    static TestAws aws;
    static TestChannels channels;
    static CallTransitions store;
    static TestCaller caller;

    static final CallEvent STARTED = CallEvent.state(CallState.IN_PROGRESS, "+14155550140");
    static final CallEvent ENDED = CallEvent.state(CallState.ENDED, null);

    @BeforeAll
    static void setUp() {
        aws = TestAws.shared();
        channels = new TestChannels(aws);
        store = aws.services().callTransitions();
        caller = aws.newCaller();
    }

    static Channel channel() {
        return channels.retell(caller, aws.registerInstance(caller), "key_" + UUID.randomUUID());
    }

    static List<Map<String, AttributeValue>> items(String iid) {
        return aws.dynamo()
                .query(q -> q.tableName(aws.resources().tableName())
                        .consistentRead(true)
                        .keyConditionExpression("pk = :pk")
                        .expressionAttributeValues(Map.of(":pk", TableLayout.s(TableLayout.INSTANCE_PREFIX + iid))))
                .items();
    }

    static Map<String, AttributeValue> instanceItem(String iid) {
        return aws.dynamo()
                .getItem(g -> g.tableName(aws.resources().tableName())
                        .key(TableLayout.instanceKey(iid))
                        .consistentRead(true))
                .item();
    }

    static long counter(String iid) {
        return TableLayout.num(instanceItem(iid), TableLayout.ACTIVE_CALLS, -1);
    }

    @Test
    void eventReadBeforeATeardownWritesNothingAfterIt() {
        Channel ch = channel();
        CallTransitions.CallRead before = store.read(ch.instanceId(), "c1", null);
        channels.teardown(ch.instanceId(), ch.generation());
        assertEquals(CallTransitions.Outcome.NO_CHANNEL, store.apply(before, STARTED));
        List<Map<String, AttributeValue>> left = items(ch.instanceId());
        assertEquals(1, left.size(), "only the registration");
        assertFalse(left.get(0).containsKey(TableLayout.ACTIVE_CALLS), "no counter resurrected on a torn-down channel");
    }

    @Test
    void eventReadBeforeATeardownAndResetupWritesNothingForTheNewChannel() {
        Channel ch = channel();
        CallTransitions.CallRead before = store.read(ch.instanceId(), "c1", null);
        channels.teardown(ch.instanceId(), ch.generation());
        channels.retell(caller, ch.instanceId(), ch.secret("api_key"));
        assertEquals(CallTransitions.Outcome.NO_CHANNEL, store.apply(before, STARTED));
        assertEquals(0, counter(ch.instanceId()));
        assertEquals(1, items(ch.instanceId()).size());
    }

    @Test
    void twoDeliveriesReadBeforeEitherWritesCountOnce() {
        Channel ch = channel();
        CallTransitions.CallRead first = store.read(ch.instanceId(), "c2", null);
        CallTransitions.CallRead second = store.read(ch.instanceId(), "c2", null);
        assertEquals(CallTransitions.Outcome.APPLIED, store.apply(first, STARTED));
        // The second one's write fails its condition, re-reads, and finds nothing left to do.
        assertEquals(CallTransitions.Outcome.UNCHANGED, store.apply(second, STARTED));
        assertEquals(1, counter(ch.instanceId()));
        // Same for a start and an end read together: the end applies after re-reading.
        CallTransitions.CallRead a = store.read(ch.instanceId(), "c3", null);
        CallTransitions.CallRead b = store.read(ch.instanceId(), "c3", null);
        assertEquals(CallTransitions.Outcome.APPLIED, store.apply(a, STARTED));
        assertEquals(2, counter(ch.instanceId()));
        assertEquals(CallTransitions.Outcome.APPLIED, store.apply(b, ENDED));
        assertEquals(1, counter(ch.instanceId()));
    }

    @Test
    void twoDeliveriesOfARingForTheLastPlaceReadBeforeEitherWritesAreBothAdmitted() {
        Channel ch =
                channels.retell(caller, aws.registerInstance(caller), "key_" + UUID.randomUUID(), OptionalLong.of(1));
        CallTransitions.CallRead first = store.read(ch.instanceId(), "c8", null);
        CallTransitions.CallRead second = store.read(ch.instanceId(), "c8", null);
        assertEquals(CallTransitions.Outcome.APPLIED, store.apply(first, STARTED, true));
        // The second one's transaction fails both the call's and the limit's condition: the place it
        // lost is its own call's, so it is connected too (it was refused: a ring answered both ways).
        assertEquals(CallTransitions.Outcome.UNCHANGED, store.apply(second, STARTED, true));
        assertEquals(1, counter(ch.instanceId()));
        // Another call still meets a full channel.
        assertEquals(
                CallTransitions.Outcome.REFUSED, store.apply(store.read(ch.instanceId(), "c9", null), STARTED, true));
        assertEquals(1, counter(ch.instanceId()));
    }

    @Test
    void turnMarkerMakesARedeliveredTurnUnchangedEvenWhenReadConcurrently() {
        Channel ch = channels.pipecat(
                caller, aws.registerInstance(caller), "tok_" + UUID.randomUUID(), "sec_" + UUID.randomUUID());
        String turn = UUID.randomUUID().toString();
        CallTransitions.CallRead a = store.read(ch.instanceId(), "CA9", turn);
        CallTransitions.CallRead b = store.read(ch.instanceId(), "CA9", turn);
        assertEquals(CallTransitions.Outcome.APPLIED, store.apply(a, CallEvent.turn(turn, null)));
        assertEquals(CallTransitions.Outcome.UNCHANGED, store.apply(b, CallEvent.turn(turn, null)));
        assertEquals(
                CallTransitions.Outcome.UNCHANGED,
                store.apply(store.read(ch.instanceId(), "CA9", turn), CallEvent.turn(turn, null)));
        CallTransitions.CallRead now = store.read(ch.instanceId(), "CA9", null);
        assertEquals(1, now.storedCall().orElseThrow().turns());
        assertEquals(1, counter(ch.instanceId()));
        Map<String, AttributeValue> marker = aws.dynamo()
                .getItem(g -> g.tableName(aws.resources().tableName())
                        .key(TableLayout.turnMarkerKey(ch.instanceId(), "CA9", turn))
                        .consistentRead(true))
                .item();
        assertEquals(ch.generation(), marker.get(TableLayout.GENERATION).s());
        assertTrue(marker.containsKey(TableLayout.EXPIRES_AT));
    }

    @Test
    void recordsLeftByAnInterruptedTeardownAreNeverCounted() {
        Channel old = channel();
        String iid = old.instanceId();
        assertEquals(CallTransitions.Outcome.APPLIED, store.apply(store.read(iid, "c4", null), STARTED));
        assertEquals(CallTransitions.Outcome.APPLIED, store.apply(store.read(iid, "c5", null), STARTED));
        // A teardown that removed the channel and crashed before deleting the call records.
        aws.services().channels().remove(iid, old.generation());
        Channel fresh = channels.retell(caller, iid, old.secret("api_key"));
        assertEquals(0, counter(iid));
        assertEquals(
                List.of(),
                aws.services().activeCalls().activeCalls(iid, fresh.generation()),
                "old-generation records are not listed");
        // Ending the old call under the new channel must not drive the counter below zero...
        assertEquals(CallTransitions.Outcome.APPLIED, store.apply(store.read(iid, "c4", null), ENDED));
        assertEquals(0, counter(iid));
        // ...and starting it again counts it once, under the new generation.
        assertEquals(CallTransitions.Outcome.APPLIED, store.apply(store.read(iid, "c5", null), STARTED));
        assertEquals(1, counter(iid));
        CallRecord c5 = store.read(iid, "c5", null).storedCall().orElseThrow();
        assertEquals(fresh.generation(), c5.generation());
        assertEquals(
                Optional.of("c5"),
                aws.services().activeCalls().activeCalls(iid, fresh.generation()).stream()
                        .map(CallRecord::callId)
                        .findFirst());
    }
}
