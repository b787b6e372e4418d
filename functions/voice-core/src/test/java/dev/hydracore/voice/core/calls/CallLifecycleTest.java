package dev.hydracore.voice.core.calls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure call state machine: every (stored state × event) pair, and order/duplicate independence. */
class CallLifecycleTest {
    static final CallLifecycle LIFE = new CallLifecycle(Duration.ofHours(4), Duration.ofHours(24));
    static final long T0 = 1_800_000_000_000L;

    static Optional<CallLifecycle.Transition> apply(Optional<CallRecord> cur, CallEvent e) {
        return apply(cur, false, e);
    }

    static Optional<CallLifecycle.Transition> apply(Optional<CallRecord> cur, boolean turnSeen, CallEvent e) {
        return LIFE.apply("iid", "call", "gen", cur, turnSeen, e, T0 + 5_000);
    }

    static CallRecord stored(CallState s, long turns, String caller) {
        return new CallRecord(
                "iid",
                "call",
                s,
                T0,
                caller,
                turns,
                "gen",
                3,
                s.active() ? null : T0 + 1,
                s.active() ? (T0 + 4 * 3600_000L) / 1000 + 86_400 : (T0 + 1) / 1000 + 86_400);
    }

    @Test
    void firstEventCreatesTheCall() {
        CallLifecycle.Transition ringing = apply(Optional.empty(), CallEvent.state(CallState.RINGING, "+1"))
                .orElseThrow();
        assertEquals(1, ringing.counterDelta());
        assertEquals(CallState.RINGING, ringing.next().state());
        assertEquals(T0 + 5_000, ringing.next().startedAtMillis());
        assertEquals("+1", ringing.next().callerPhone());
        assertEquals(1, ringing.next().version());
        assertEquals("gen", ringing.next().generation());
        assertEquals(
                (T0 + 5_000 + 4 * 3600_000L) / 1000 + 86_400, ringing.next().expiresAtEpochSeconds());
        assertNull(ringing.next().endedAtMillis());

        assertEquals(
                CallState.IN_PROGRESS,
                apply(Optional.empty(), CallEvent.state(CallState.IN_PROGRESS, null))
                        .orElseThrow()
                        .next()
                        .state());
        CallLifecycle.Transition transcript =
                apply(Optional.empty(), CallEvent.transcript(4, null)).orElseThrow();
        assertEquals(CallState.IN_PROGRESS, transcript.next().state());
        assertEquals(4, transcript.next().turns());
        assertEquals(1, transcript.counterDelta());
        CallLifecycle.Transition turn =
                apply(Optional.empty(), CallEvent.turn("e1", null)).orElseThrow();
        assertEquals(1, turn.next().turns());
        assertTrue(turn.countsTurnEvent());
        assertEquals(CallState.IN_PROGRESS, turn.next().state());
    }

    @Test
    void callSeenFirstByItsEndIsCreatedEndedWithoutCounting() {
        CallLifecycle.Transition t = apply(
                        Optional.empty(), CallEvent.state(CallState.ENDED, "+1").withTurns(7))
                .orElseThrow();
        assertEquals(0, t.counterDelta());
        assertEquals(CallState.ENDED, t.next().state());
        assertEquals(7, t.next().turns());
        assertEquals(T0 + 5_000, t.next().endedAtMillis());
        assertEquals((T0 + 5_000) / 1000 + 86_400, t.next().expiresAtEpochSeconds());
    }

    @Test
    void stateOnlyMovesForward() {
        CallLifecycle.Transition up = apply(
                        Optional.of(stored(CallState.RINGING, 0, "+1")), CallEvent.state(CallState.IN_PROGRESS, "+1"))
                .orElseThrow();
        assertEquals(CallState.IN_PROGRESS, up.next().state());
        assertEquals(0, up.counterDelta());
        assertEquals(4, up.next().version());
        assertEquals(T0, up.next().startedAtMillis(), "start time is the first sighting");
        assertEquals(
                stored(CallState.RINGING, 0, null).expiresAtEpochSeconds(),
                up.next().expiresAtEpochSeconds());
        assertEquals(
                Optional.empty(),
                apply(Optional.of(stored(CallState.IN_PROGRESS, 2, "+1")), CallEvent.state(CallState.RINGING, "+1")));
        assertEquals(
                Optional.empty(),
                apply(
                        Optional.of(stored(CallState.IN_PROGRESS, 2, "+1")),
                        CallEvent.state(CallState.IN_PROGRESS, "+1")));
        assertEquals(
                Optional.empty(),
                apply(Optional.of(stored(CallState.RINGING, 0, "+1")), CallEvent.state(CallState.RINGING, "+1")));
    }

    @Test
    void endingAnActiveCallDecrementsOnce() {
        for (CallState s : List.of(CallState.RINGING, CallState.IN_PROGRESS)) {
            CallLifecycle.Transition t = apply(Optional.of(stored(s, 2, "+1")), CallEvent.state(CallState.ENDED, null))
                    .orElseThrow();
            assertEquals(-1, t.counterDelta());
            assertEquals(CallState.ENDED, t.next().state());
            assertEquals(T0 + 5_000, t.next().endedAtMillis());
            assertEquals((T0 + 5_000) / 1000 + 86_400, t.next().expiresAtEpochSeconds());
            assertEquals(2, t.next().turns());
        }
    }

    @Test
    void endedIsFinal() {
        CallRecord ended = stored(CallState.ENDED, 2, "+1");
        for (CallEvent e : List.of(
                CallEvent.state(CallState.RINGING, "+1"),
                CallEvent.state(CallState.IN_PROGRESS, null),
                CallEvent.state(CallState.ENDED, null),
                CallEvent.transcript(9, null),
                CallEvent.turn("e9", null))) {
            assertEquals(Optional.empty(), apply(Optional.of(ended), e), e.toString());
        }
    }

    @Test
    void turnsNeverDecreaseAndCountOncePerEventId() {
        CallRecord five = stored(CallState.IN_PROGRESS, 5, "+1");
        assertEquals(Optional.empty(), apply(Optional.of(five), CallEvent.transcript(3, null)));
        assertEquals(Optional.empty(), apply(Optional.of(five), CallEvent.transcript(5, null)));
        assertEquals(
                6,
                apply(Optional.of(five), CallEvent.transcript(6, null))
                        .orElseThrow()
                        .next()
                        .turns());
        CallLifecycle.Transition turn =
                apply(Optional.of(five), CallEvent.turn("e1", null)).orElseThrow();
        assertEquals(6, turn.next().turns());
        assertTrue(turn.countsTurnEvent());
        assertEquals(
                Optional.empty(), apply(Optional.of(five), true, CallEvent.turn("e1", null)), "a redelivered turn");
        // An ending event with a shorter transcript keeps the higher count.
        assertEquals(
                5,
                apply(Optional.of(five), CallEvent.state(CallState.ENDED, null).withTurns(2))
                        .orElseThrow()
                        .next()
                        .turns());
    }

    @Test
    void callerIsFilledOnceAndNeverOverwritten() {
        assertEquals(
                "+1",
                apply(Optional.of(stored(CallState.RINGING, 0, null)), CallEvent.state(CallState.RINGING, "+1"))
                        .orElseThrow()
                        .next()
                        .callerPhone());
        assertEquals(
                Optional.empty(),
                apply(Optional.of(stored(CallState.RINGING, 0, "+1")), CallEvent.state(CallState.RINGING, "+2")));
    }

    /**
     * Any delivery order of any multiset of a call's events (with duplicates) ends in the same state
     * and turn count, and the counter deltas sum to 1 while active, 0 once ended.
     */
    @Test
    void outcomeIsIndependentOfOrderAndDuplicates() {
        Random r = new Random(42);
        for (int round = 0; round < 2_000; round++) {
            List<CallEvent> events = new ArrayList<>();
            boolean ends = r.nextBoolean();
            int turns = r.nextInt(4);
            events.add(CallEvent.state(CallState.RINGING, "+1"));
            if (r.nextBoolean()) {
                events.add(CallEvent.state(CallState.IN_PROGRESS, "+1"));
            }
            // A call's turns come either as whole transcripts (Retell) or as single turns (the bot), never both.
            boolean singleTurns = r.nextBoolean();
            for (int i = 0; i < turns; i++) {
                events.add(singleTurns ? CallEvent.turn("t" + i, null) : CallEvent.transcript(i + 1, null));
            }
            if (ends) {
                events.add(CallEvent.state(CallState.ENDED, null));
            }
            int dups = r.nextInt(5);
            for (int i = 0; i < dups; i++) {
                events.add(events.get(r.nextInt(events.size())));
            }
            Collections.shuffle(events, r);
            Optional<CallRecord> cur = Optional.empty();
            Set<String> counted = new HashSet<>();
            int counter = 0;
            int endIndex = ends ? events.indexOf(CallEvent.state(CallState.ENDED, null)) : -1;
            for (CallEvent e : events) {
                Optional<CallLifecycle.Transition> t = LIFE.apply(
                        "iid", "call", "gen", cur, e.turnEventId() != null && counted.contains(e.turnEventId()), e, T0);
                if (t.isPresent()) {
                    cur = Optional.of(t.get().next());
                    counter += t.get().counterDelta();
                    if (t.get().countsTurnEvent()) {
                        assertTrue(counted.add(e.turnEventId()), "a turn id counted twice");
                    }
                }
                assertTrue(counter == 0 || counter == 1, "counter out of range: " + counter);
            }
            assertEquals(ends ? 0 : 1, counter, "round " + round);
            assertEquals(ends ? CallState.ENDED : cur.get().state(), cur.get().state());
            if (!ends) {
                assertEquals(turns, cur.get().turns(), "round " + round);
                assertTrue(cur.get().state().active());
            } else {
                assertTrue(cur.get().turns() <= turns);
                assertTrue(endIndex >= 0);
            }
        }
    }
}
