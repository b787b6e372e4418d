package dev.hydracore.voice.core.calls;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CallRecordTest {
    static final long T0 = 1_795_680_000_000L;
    static final long HOUR = 3_600_000L;

    @Test
    void countsAsActiveOnlyWithinMaxDurationAndTtl() {
        CallRecord r = new CallRecord("i", "c", CallState.RINGING, T0, null, 0, "g", 1, null, (T0 + 5 * HOUR) / 1000);
        assertTrue(r.countsAsActive(T0 + HOUR, 4 * HOUR));
        assertFalse(r.countsAsActive(T0 + 4 * HOUR, 4 * HOUR), "past the maximum call duration");
        assertTrue(r.countsAsActive(T0 + 4 * HOUR, 10 * HOUR), "within a longer maximum and its TTL");
        assertFalse(r.countsAsActive(T0 + 6 * HOUR, 10 * HOUR), "past its TTL although within the maximum");
        CallRecord ended = new CallRecord("i", "c", CallState.ENDED, T0, null, 0, "g", 2, T0, (T0 + HOUR) / 1000);
        assertFalse(ended.countsAsActive(T0 + 1, 4 * HOUR));
    }
}
