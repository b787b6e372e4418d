package dev.hydracore.voice.core.calls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.store.Items;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class CallRecordTest {
    static final long T0 = 1_795_680_000_000L;
    static final long HOUR = 3_600_000L;

    @Test
    void activeCallsCarryTheSparseIndexKeysAndEndedOnesDoNot() {
        CallRecord active = new CallRecord("i", "c1", CallState.IN_PROGRESS, T0, "+14155550123", 3, "g", 2, null, T0 / 1000 + 9000);
        Map<String, AttributeValue> item = active.toItem();
        assertEquals("INSTANCE#i", item.get(Items.PK).s());
        assertEquals("CALL#c1", item.get(Items.SK).s());
        assertEquals(Long.toString(T0), item.get(Items.ACTIVE_SINCE).n());
        assertTrue(item.get(Items.SWEEP_PK).s().startsWith("ACTIVE#"));
        assertEquals(active, CallRecord.fromItem(item));

        CallRecord ended = new CallRecord("i", "c1", CallState.ENDED, T0, null, 3, "g", 3, T0 + 5000, T0 / 1000 + 86400);
        Map<String, AttributeValue> endedItem = ended.toItem();
        assertFalse(endedItem.containsKey(Items.ACTIVE_SINCE));
        assertFalse(endedItem.containsKey(Items.SWEEP_PK));
        assertFalse(endedItem.containsKey(Items.SWEEP_SK));
        assertFalse(endedItem.containsKey(Items.CALLER));
        assertEquals(ended, CallRecord.fromItem(endedItem));
    }

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

    @Test
    void shardsAreStableAndInRange() {
        for (int i = 0; i < 100; i++) {
            int s = CallRecord.shardOf("inst", "call" + i);
            assertTrue(s >= 0 && s < CallRecord.SWEEP_SHARDS);
            assertEquals(s, CallRecord.shardOf("inst", "call" + i));
        }
        assertEquals(CallState.IN_PROGRESS, CallState.fromWire("in_progress"));
    }
}
