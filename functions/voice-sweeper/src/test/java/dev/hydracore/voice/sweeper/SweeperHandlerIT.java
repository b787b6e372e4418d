package dev.hydracore.voice.sweeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.calls.CallEvent;
import dev.hydracore.voice.core.calls.CallRecord;
import dev.hydracore.voice.core.calls.CallState;
import dev.hydracore.voice.core.store.CallItems;
import dev.hydracore.voice.core.store.CallTransitions;
import dev.hydracore.voice.core.store.TableLayout;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.testkit.TestChannels;
import dev.hydracore.voice.testkit.TestChannels.Channel;
import dev.hydracore.voice.testkit.TestClock;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The sweeper against the emulator. Each test runs in its own far-apart stretch of (test) time,
 * so one test's overdue calls are not another's: the index is shared by every instance.
 */
class SweeperHandlerIT {
    static TestAws aws;
    static TestChannels channels;
    static TestCaller caller;

    @BeforeAll
    static void setUp() {
        aws = TestAws.shared();
        channels = new TestChannels(aws);
        caller = aws.newCaller();
    }

    static Channel channel() {
        return channels.retell(caller, aws.registerInstance(caller), "key_" + UUID.randomUUID());
    }

    static long counter(String iid) {
        return TableLayout.num(
                aws.dynamo()
                        .getItem(g -> g.tableName(aws.resources().tableName())
                                .key(TableLayout.instanceKey(iid))
                                .consistentRead(true))
                        .item(),
                TableLayout.ACTIVE_CALLS,
                -1);
    }

    static Map<String, AttributeValue> call(String iid, String callId) {
        return aws.dynamo()
                .getItem(g -> g.tableName(aws.resources().tableName())
                        .key(TableLayout.callKey(iid, callId))
                        .consistentRead(true))
                .item();
    }

    static void apply(CallTransitions store, String iid, String callId, CallEvent e) {
        assertEquals(CallTransitions.Outcome.APPLIED, store.apply(store.read(iid, callId, null), e));
    }

    @Test
    void endsCallsPastTheMaximumDurationAndTheCounterFollows() {
        TestClock clock = new TestClock(Instant.parse("2031-01-01T00:00:00Z"));
        Services services = aws.services(aws.settings(), clock);
        CallTransitions store = services.callTransitions();
        Channel ch = channel();
        String iid = ch.instanceId();
        apply(store, iid, "stale_1", CallEvent.state(CallState.IN_PROGRESS, "+14155550150"));
        apply(store, iid, "stale_2", CallEvent.state(CallState.RINGING, "+14155550151"));
        apply(store, iid, "ended_early", CallEvent.state(CallState.IN_PROGRESS, null));
        apply(store, iid, "ended_early", CallEvent.state(CallState.ENDED, null));
        clock.advance(Duration.ofHours(3));
        apply(store, iid, "fresh", CallEvent.transcript(2, "+14155550152"));
        assertEquals(3, counter(iid));

        clock.advance(Duration.ofHours(1).minusSeconds(1));
        SweeperHandler sweeper = new SweeperHandler(services);
        assertEquals(new SweeperHandler.Summary(0, 0, 0), sweeper.sweep(), "not yet past four hours");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(new SweeperHandler.Summary(2, 0, 0), sweeper.sweep());
        assertEquals(1, counter(iid));
        for (String id : List.of("stale_1", "stale_2")) {
            Map<String, AttributeValue> item = call(iid, id);
            assertEquals("ended", item.get(TableLayout.STATE).s());
            assertEquals(
                    Long.toString(clock.millis()),
                    item.get(TableLayout.ENDED_AT).n());
            assertFalse(item.containsKey(TableLayout.SWEEP_PK) || item.containsKey(TableLayout.ACTIVE_SINCE));
        }
        assertEquals("in_progress", call(iid, "fresh").get(TableLayout.STATE).s());
        // Running again finds nothing; a late webhook end for a swept call changes nothing either.
        assertEquals(new SweeperHandler.Summary(0, 0, 0), sweeper.sweep());
        assertEquals(
                CallTransitions.Outcome.UNCHANGED,
                store.apply(store.read(iid, "stale_1", null), CallEvent.state(CallState.ENDED, null)));
        assertEquals(1, counter(iid));
        clock.advance(Duration.ofHours(3));
        assertEquals(new SweeperHandler.Summary(1, 0, 0), sweeper.sweep());
        assertEquals(0, counter(iid));
    }

    @Test
    void concurrentSweepsEndEachCallOnce() throws Exception {
        TestClock clock = new TestClock(Instant.parse("2033-01-01T00:00:00Z"));
        Services services = aws.services(aws.settings(), clock);
        CallTransitions store = services.callTransitions();
        Channel ch = channel();
        for (int i = 0; i < 12; i++) {
            apply(store, ch.instanceId(), "c" + i, CallEvent.state(CallState.IN_PROGRESS, null));
        }
        assertEquals(12, counter(ch.instanceId()));
        clock.advance(Duration.ofHours(5));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<SweeperHandler.Summary>> runs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                runs.add(pool.submit(() -> new SweeperHandler(services).sweep()));
            }
            int ended = 0;
            for (Future<SweeperHandler.Summary> f : runs) {
                ended += f.get().ended();
                assertEquals(0, f.get().contended());
            }
            assertEquals(12, ended, "each call ended by exactly one run");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, counter(ch.instanceId()));
    }

    @Test
    void leftoversOfAnInterruptedTeardownAreRemovedWithoutTouchingAnyCounter() {
        TestClock clock = new TestClock(Instant.parse("2035-01-01T00:00:00Z"));
        Services services = aws.services(aws.settings(), clock);
        CallTransitions store = services.callTransitions();
        Channel old = channel();
        String iid = old.instanceId();
        apply(store, iid, "orphan", CallEvent.state(CallState.IN_PROGRESS, null));
        services.channels().remove(iid, old.generation());
        Channel fresh = channels.retell(caller, iid, old.secret("api_key"));
        clock.advance(Duration.ofHours(5));
        apply(store, iid, "current", CallEvent.state(CallState.IN_PROGRESS, null));
        assertEquals(new SweeperHandler.Summary(0, 1, 0), new SweeperHandler(services).sweep());
        assertTrue(call(iid, "orphan").isEmpty(), "the orphan is gone");
        assertEquals(1, counter(iid), "the new channel's counter is untouched");
        assertEquals(
                fresh.generation(),
                call(iid, "current").get(TableLayout.GENERATION).s());
    }

    @Test
    void staleRecordWrittenWithAnOldStartIsFoundByTheRealClockToo() throws Exception {
        // With the real clock: a record written as if it started five hours ago.
        Channel ch = channel();
        long fiveHoursAgo = System.currentTimeMillis() - Duration.ofHours(5).toMillis();
        CallRecord old = new CallRecord(
                ch.instanceId(),
                "call_lost_end",
                CallState.IN_PROGRESS,
                fiveHoursAgo,
                "+14155550153",
                3,
                ch.generation(),
                1,
                null,
                fiveHoursAgo / 1000 + 4 * 3600 + 86_400);
        aws.dynamo()
                .transactWriteItems(t -> t.transactItems(
                        b -> b.put(p -> p.tableName(aws.resources().tableName()).item(CallItems.toItem(old))),
                        b -> b.update(u -> u.tableName(aws.resources().tableName())
                                .key(TableLayout.instanceKey(ch.instanceId()))
                                .updateExpression("ADD active_calls :one")
                                .expressionAttributeValues(Map.of(":one", TableLayout.n(1))))));
        assertEquals(1, counter(ch.instanceId()));
        // The Lambda entry point with the sample scheduled event.
        byte[] sample = Files.readAllBytes(ProjectPaths.root().resolve("events/voice-sweeper.json"));
        assertEquals(
                "Scheduled Event",
                Json.MAPPER.readTree(sample).path("detail-type").asText());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new SweeperHandler(aws.services()).handleRequest(new ByteArrayInputStream(sample), out, null);
        JsonNode summary = Json.MAPPER.readTree(out.toByteArray());
        assertTrue(summary.path("ended").asInt() >= 1, summary.toString());
        assertEquals(0, counter(ch.instanceId()));
        assertEquals(
                "ended",
                call(ch.instanceId(), "call_lost_end").get(TableLayout.STATE).s());
    }

    @Test
    void eachRunWorksOffTheTeardownsPurgeJobs() throws Exception {
        // A teardown queues the purge job and removes the channel; the scheduled run deletes the records.
        Channel ch = channel();
        String iid = ch.instanceId();
        CallTransitions store = aws.services().callTransitions();
        apply(store, iid, "purged_1", CallEvent.state(CallState.IN_PROGRESS, "+14155550160"));
        apply(store, iid, "purged_2", CallEvent.state(CallState.ENDED, "+14155550161"));
        aws.services().purgeJobs().queue(iid);
        aws.services().channels().remove(iid, ch.generation());
        assertFalse(call(iid, "purged_1").isEmpty());
        byte[] sample = Files.readAllBytes(ProjectPaths.root().resolve("events/voice-sweeper.json"));
        new SweeperHandler(aws.services())
                .handleRequest(new ByteArrayInputStream(sample), new ByteArrayOutputStream(), null);
        assertTrue(call(iid, "purged_1").isEmpty(), "the dead generation's records are gone");
        assertTrue(call(iid, "purged_2").isEmpty());
        assertTrue(
                aws.dynamo()
                        .getItem(g -> g.tableName(aws.resources().tableName())
                                .key(TableLayout.purgeJobKey(iid))
                                .consistentRead(true))
                        .item()
                        .isEmpty(),
                "and so is the job");
    }
}
