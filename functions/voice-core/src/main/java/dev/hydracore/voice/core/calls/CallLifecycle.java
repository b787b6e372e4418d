package dev.hydracore.voice.core.calls;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The per-call state machine, pure: (what is stored, event) → the record to store and how the
 * instance's active-call counter moves, or nothing to do. The rules that make the counter exact
 * under at-least-once, reordered delivery:
 * <ul>
 *   <li>the first event seen creates the call (a call may be seen first by its end: an ended
 *       record, counter unchanged, kept so late events of that call change nothing);</li>
 *   <li>state only moves forward, ringing → in_progress → ended; ended is final;</li>
 *   <li>turns never decrease; a single-turn event counts once per event id;</li>
 *   <li>an event that changes nothing (a duplicate, a stale start) yields no transition.</li>
 * </ul>
 */
public final class CallLifecycle {
    private final long maxCallMillis;
    private final long endedTtlSeconds;

    public CallLifecycle(Duration maxCall, Duration endedTtl) {
        this.maxCallMillis = maxCall.toMillis();
        this.endedTtlSeconds = endedTtl.toSeconds();
    }

    /**
     * @param current            the stored call of the channel's current generation, if any
     * @param turnEventCounted   the event's turn id was already counted for this call
     */
    public Optional<Transition> apply(
            String instanceId,
            String callId,
            String generation,
            Optional<CallRecord> current,
            boolean turnEventCounted,
            CallEvent event,
            long nowMillis) {
        boolean newTurn = event.turnEventId() != null && !turnEventCounted;
        if (current.isEmpty()) {
            // A transcript or turn proves the call is connected: seen first that way, it is in progress.
            CallState state = event.target() != null ? event.target() : CallState.IN_PROGRESS;
            long turns = Math.max(0, event.turnsAtLeast()) + (newTurn ? 1 : 0);
            CallRecord created = state.active()
                    ? new CallRecord(
                            instanceId,
                            callId,
                            state,
                            nowMillis,
                            event.callerPhone(),
                            turns,
                            generation,
                            1,
                            null,
                            activeExpiry(nowMillis))
                    : new CallRecord(
                            instanceId,
                            callId,
                            state,
                            nowMillis,
                            event.callerPhone(),
                            turns,
                            generation,
                            1,
                            nowMillis,
                            endedExpiry(nowMillis));
            return Optional.of(new Transition(created, state.active() ? 1 : 0, newTurn));
        }
        CallRecord cur = current.get();
        if (!cur.state().active()) {
            return Optional.empty();
        }
        CallState state = event.target() == null
                        || event.target().ordinal() <= cur.state().ordinal()
                ? cur.state()
                : event.target();
        long turns = Math.max(cur.turns(), event.turnsAtLeast());
        if (newTurn) {
            turns = Math.max(turns, cur.turns() + 1);
        }
        String callerPhone = cur.callerPhone() != null ? cur.callerPhone() : event.callerPhone();
        if (state == cur.state()
                && turns == cur.turns()
                && Objects.equals(callerPhone, cur.callerPhone())
                && !newTurn) {
            return Optional.empty();
        }
        boolean ends = !state.active();
        CallRecord next = new CallRecord(
                instanceId,
                callId,
                state,
                cur.startedAtMillis(),
                callerPhone,
                turns,
                generation,
                cur.version() + 1,
                ends ? Long.valueOf(nowMillis) : null,
                ends ? endedExpiry(nowMillis) : cur.expiresAtEpochSeconds());
        return Optional.of(new Transition(next, ends ? -1 : 0, newTurn));
    }

    /** An active call's record outlives the maximum call duration by the ended TTL, so a lost end still expires. */
    private long activeExpiry(long startedAtMillis) {
        return (startedAtMillis + maxCallMillis) / 1000 + endedTtlSeconds;
    }

    private long endedExpiry(long nowMillis) {
        return nowMillis / 1000 + endedTtlSeconds;
    }

    /**
     * @param counterDelta     +1 when a call becomes active, −1 when an active call ends, else 0
     * @param countsTurnEvent  the event's turn id was counted and must be remembered
     */
    public record Transition(CallRecord next, int counterDelta, boolean countsTurnEvent) {}
}
