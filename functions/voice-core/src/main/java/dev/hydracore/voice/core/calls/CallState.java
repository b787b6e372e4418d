package dev.hydracore.voice.core.calls;

/** A call's lifecycle: ringing → in_progress → ended. Only forward; ended is final. */
public enum CallState {
    RINGING("ringing"),
    IN_PROGRESS("in_progress"),
    ENDED("ended");

    private final String wire;

    CallState(String wire) {
        this.wire = wire;
    }

    /** The name stored and returned by the API. */
    public String wire() {
        return wire;
    }

    public boolean active() {
        return this != ENDED;
    }

    public static CallState fromWire(String s) {
        for (CallState c : values()) {
            if (c.wire.equals(s)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown call state");
    }
}
