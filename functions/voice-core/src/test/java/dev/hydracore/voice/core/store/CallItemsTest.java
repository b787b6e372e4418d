package dev.hydracore.voice.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.calls.CallRecord;
import dev.hydracore.voice.core.calls.CallState;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class CallItemsTest {
    static final long T0 = 1_795_680_000_000L;

    @Test
    void activeCallsCarryTheSparseIndexKeysAndEndedOnesDoNot() {
        CallRecord active =
                new CallRecord("i", "c1", CallState.IN_PROGRESS, T0, "+14155550123", 3, "g", 2, null, T0 / 1000 + 9000);
        Map<String, AttributeValue> item = CallItems.toItem(active);
        assertEquals("INSTANCE#i", item.get(TableLayout.PK).s());
        assertEquals("CALL#c1", item.get(TableLayout.SK).s());
        assertEquals(Long.toString(T0), item.get(TableLayout.ACTIVE_SINCE).n());
        assertTrue(item.get(TableLayout.SWEEP_PK).s().startsWith("ACTIVE#"));
        assertEquals(active, CallItems.fromItem(item));

        CallRecord ended =
                new CallRecord("i", "c1", CallState.ENDED, T0, null, 3, "g", 3, T0 + 5000, T0 / 1000 + 86400);
        Map<String, AttributeValue> endedItem = CallItems.toItem(ended);
        assertFalse(endedItem.containsKey(TableLayout.ACTIVE_SINCE));
        assertFalse(endedItem.containsKey(TableLayout.SWEEP_PK));
        assertFalse(endedItem.containsKey(TableLayout.SWEEP_SK));
        assertFalse(endedItem.containsKey(TableLayout.CALLER_PHONE));
        assertEquals(ended, CallItems.fromItem(endedItem));
    }

    @Test
    void shardsAreStableAndInRange() {
        for (int i = 0; i < 100; i++) {
            int s = CallItems.shardOf("inst", "call" + i);
            assertTrue(s >= 0 && s < CallItems.SWEEP_SHARDS);
            assertEquals(s, CallItems.shardOf("inst", "call" + i));
        }
        assertEquals(CallState.IN_PROGRESS, CallState.fromWire("in_progress"));
    }
}
