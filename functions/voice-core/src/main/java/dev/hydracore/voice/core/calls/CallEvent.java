package dev.hydracore.voice.core.calls;

/**
 * What one provider event says about one call, reduced to what the state machine needs.
 *
 * @param target       the state the event reports (ringing, in_progress, ended), or null when it
 *                     reports none (a transcript update or a turn)
 * @param turnsAtLeast a transcript length the call has reached, or -1 (Retell sends whole transcripts)
 * @param turnEventId  the id of a single-turn event (the bot's {@code call.turn}), counted once per id, or null
 * @param caller       the caller's number when the event names it, or null
 */
public record CallEvent(CallState target, long turnsAtLeast, String turnEventId, String callerPhone) {

    public static CallEvent state(CallState target, String callerPhone) {
        return new CallEvent(target, -1, null, callerPhone);
    }

    public static CallEvent transcript(long turns, String callerPhone) {
        return new CallEvent(null, turns, null, callerPhone);
    }

    public static CallEvent turn(String eventId, String callerPhone) {
        return new CallEvent(null, -1, eventId, callerPhone);
    }

    public CallEvent withTurns(long turns) {
        return new CallEvent(target, turns, turnEventId, callerPhone);
    }
}
