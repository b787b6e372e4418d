package dev.hydracore.voice.local.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.local.InvokeResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The scheduler's timer on a clock the test moves: each schedule fires when its time comes (not
 * before), through the invoke path it was given, with the scheduled event; disabled ones never;
 * a slow run does not hold up the next; close stops everything.
 */
class SchedulerTest {
    private static final Instant T0 = Instant.parse("2026-12-01T09:40:17.250Z");

    private static TemplateSchedule schedule(String function, String expression, boolean enabled) {
        return new TemplateSchedule(
                function,
                "Tick",
                ScheduleExpression.parse(expression),
                enabled,
                "stack-" + function + "Tick",
                Optional.empty());
    }

    private static InvokeResult ok(String json) {
        return new InvokeResult(InvokeResult.Outcome.RESULT, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void firesEachScheduleWhenItsTimeComesWithTheScheduledEvent() throws Exception {
        BlockingQueue<Call> calls = new LinkedBlockingQueue<>();
        TestClock clock = new TestClock();
        ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        Scheduler scheduler = new Scheduler(
                (fn, id, event) -> {
                    calls.add(new Call(fn, id, readTree(event)));
                    return ok("{\"ended\":1,\"orphans_removed\":0,\"contended\":0}");
                },
                clock,
                new PrintStream(logBytes, true, StandardCharsets.UTF_8));
        try {
            scheduler.start(
                    List.of(
                            schedule("Sweeper", "rate(1 minute)", true),
                            schedule("Nightly", "cron(0 3 * * ? *)", true),
                            schedule("Off", "rate(1 minute)", false)),
                    "us-east-1",
                    "123456789012",
                    false);
            assertNull(calls.poll(300, TimeUnit.MILLISECONDS), "nothing fires before its time");

            clock.now.set(T0.plusSeconds(59));
            scheduler.wake();
            assertNull(calls.poll(300, TimeUnit.MILLISECONDS), "59 s into rate(1 minute): not yet");

            clock.now.set(T0.plusSeconds(60));
            scheduler.wake();
            Call first = calls.poll(5, TimeUnit.SECONDS);
            assertNotNull(first, "rate(1 minute) fires one minute after the start");
            assertEquals("Sweeper", first.functionId());
            assertEquals("Scheduled Event", first.event().get("detail-type").asText());
            assertEquals("aws.events", first.event().get("source").asText());
            assertEquals("2026-12-01T09:41:17Z", first.event().get("time").asText());
            assertEquals(
                    "arn:aws:events:us-east-1:123456789012:rule/stack-SweeperTick",
                    first.event().get("resources").get(0).asText());
            assertNull(calls.poll(300, TimeUnit.MILLISECONDS), "once per period");

            assertTrue(scheduler.awaitPlanned(T0.plusSeconds(120), Duration.ofSeconds(5)), "the next is a period on");
            clock.now.set(T0.plusSeconds(120));
            scheduler.wake();
            Call second = calls.poll(5, TimeUnit.SECONDS);
            assertNotNull(second);
            assertEquals("Sweeper", second.functionId());
            assertFalse(second.requestId().equals(first.requestId()), "a request id per firing");
            assertFalse(
                    second.event()
                            .get("id")
                            .asText()
                            .equals(first.event().get("id").asText()),
                    "an event id per firing");

            // The machine slept for hours: one firing per schedule now, not a replay of every missed one.
            assertTrue(scheduler.awaitPlanned(T0.plusSeconds(180), Duration.ofSeconds(5)));
            clock.now.set(Instant.parse("2026-12-02T03:00:30Z"));
            scheduler.wake();
            List<Call> afterSleep = new java.util.ArrayList<>();
            for (Call c; (c = calls.poll(1, TimeUnit.SECONDS)) != null; ) {
                afterSleep.add(c);
            }
            assertEquals(
                    List.of("Nightly", "Sweeper"),
                    afterSleep.stream().map(Call::functionId).sorted().toList(),
                    afterSleep::toString);
            assertEquals(
                    "2026-12-02T03:00:00Z",
                    afterSleep.stream()
                            .filter(c -> c.functionId().equals("Nightly"))
                            .findFirst()
                            .orElseThrow()
                            .event()
                            .get("time")
                            .asText());
            assertTrue(afterSleep.stream().noneMatch(c -> c.functionId().equals("Off")));
        } finally {
            scheduler.close();
        }
        String log = logBytes.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("schedule Off.Tick rate(1 minute) is disabled in the template: it never fires"), log);
        assertTrue(log.contains("schedule Sweeper.Tick fired (rate(1 minute)"), log);
        assertTrue(log.contains("schedule Sweeper.Tick: Sweeper answered RESULT in "), log);
        assertTrue(log.contains("ms: {\"ended\":1,\"orphans_removed\":0,\"contended\":0}"), log);
    }

    @Test
    void aSlowRunDoesNotHoldUpTheNextAndCloseStopsFiring() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        BlockingQueue<String> started = new LinkedBlockingQueue<>();
        TestClock clock = new TestClock();
        Scheduler scheduler = new Scheduler(
                (fn, id, event) -> {
                    started.add(id);
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return ok("{}");
                },
                clock,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            // --schedule-now: the first firing is at once, then the schedule's own.
            scheduler.start(List.of(schedule("Sweeper", "rate(1 minute)", true)), "us-east-1", "1", true);
            assertNotNull(started.poll(5, TimeUnit.SECONDS), "fires at start with fireNow");
            // Moved once the timer has planned the next firing (a period on), so the move makes it due.
            assertTrue(scheduler.awaitPlanned(T0.plusSeconds(60), Duration.ofSeconds(5)), "the next is a period on");
            clock.now.set(T0.plusSeconds(60));
            scheduler.wake();
            assertNotNull(started.poll(5, TimeUnit.SECONDS), "the next firing starts while the first still runs");
            assertEquals(2, scheduler.inFlight());

            scheduler.close();
            clock.now.set(T0.plusSeconds(120));
            scheduler.wake();
            assertNull(started.poll(500, TimeUnit.MILLISECONDS), "nothing fires after close");
            assertFalse(scheduler.awaitFirings(Duration.ofMillis(100)), "the two runs are still in flight");
            release.countDown();
            assertTrue(scheduler.awaitFirings(Duration.ofSeconds(5)), "runs in flight finish");
            assertEquals(0, scheduler.inFlight());
            assertTrue(
                    Thread.getAllStackTraces().keySet().stream()
                            .noneMatch(t -> t.getName().equals("schedules") && t.isAlive()),
                    "the timer thread is gone");
        } finally {
            release.countDown();
            scheduler.close();
        }
    }

    @Test
    void aSchedulerClosedBeforeItStartedNeverFires() throws Exception {
        BlockingQueue<String> started = new LinkedBlockingQueue<>();
        Scheduler scheduler = new Scheduler(
                (fn, id, event) -> {
                    started.add(id);
                    return ok("{}");
                },
                new TestClock(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        scheduler.close();
        scheduler.start(List.of(schedule("Sweeper", "rate(1 minute)", true)), "us-east-1", "1", true);
        assertNull(started.poll(500, TimeUnit.MILLISECONDS));
    }

    @Test
    void theLogShowsAShortAnswerWhole() {
        assertEquals("{\"a\": 1}", Scheduler.summary("{\"a\":\n 1}\n"));
        String longAnswer = "x".repeat(Scheduler.SUMMARY_CHARS + 50);
        assertEquals(
                "x".repeat(Scheduler.SUMMARY_CHARS) + "… (" + longAnswer.length() + " chars)",
                Scheduler.summary(longAnswer));
    }

    private static JsonNode readTree(byte[] b) {
        try {
            return Json.MAPPER.readTree(b);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private record Call(String functionId, String requestId, JsonNode event) {}

    /** A clock the test sets. */
    private static final class TestClock implements InstantSource {
        final AtomicReference<Instant> now = new AtomicReference<>(T0);

        @Override
        public Instant instant() {
            return now.get();
        }
    }
}
