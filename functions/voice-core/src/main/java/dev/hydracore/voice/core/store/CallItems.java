package dev.hydracore.voice.core.store;

import dev.hydracore.voice.core.calls.CallRecord;
import dev.hydracore.voice.core.calls.CallState;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A {@link CallRecord} as the item at {@code INSTANCE#{iid} / CALL#{call_id}}. While active the
 * item also carries {@code active_since} (sparse LSI: List Active Calls reads only active calls,
 * oldest first, strongly consistent) and {@code sweep_pk}/{@code sweep_sk} (sparse GSI: the
 * sweeper finds overdue calls without a scan); ending a call removes them.
 */
public final class CallItems {
    private CallItems() {}

    /** Shards of the sweeper's index, so no single GSI partition takes every active call. */
    public static final int SWEEP_SHARDS = 8;

    public static String sweepPartition(int shard) {
        return "ACTIVE#" + shard;
    }

    public static int shardOf(String instanceId, String callId) {
        return Math.floorMod((instanceId + "/" + callId).hashCode(), SWEEP_SHARDS);
    }

    public static Map<String, AttributeValue> toItem(CallRecord c) {
        Map<String, AttributeValue> item = new HashMap<>(Items.callKey(c.instanceId(), c.callId()));
        item.put(Items.INSTANCE_ID, Items.s(c.instanceId()));
        item.put(Items.CALL_ID, Items.s(c.callId()));
        item.put(Items.STATE, Items.s(c.state().wire()));
        item.put(Items.STARTED_AT, Items.n(c.startedAtMillis()));
        if (c.caller() != null) {
            item.put(Items.CALLER, Items.s(c.caller()));
        }
        item.put(Items.TURNS, Items.n(c.turns()));
        item.put(Items.GENERATION, Items.s(c.generation()));
        item.put(Items.VERSION, Items.n(c.version()));
        if (c.endedAtMillis() != null) {
            item.put(Items.ENDED_AT, Items.n(c.endedAtMillis()));
        }
        item.put(Items.EXPIRES_AT, Items.n(c.expiresAtEpochSeconds()));
        if (c.state().active()) {
            item.put(Items.ACTIVE_SINCE, Items.n(c.startedAtMillis()));
            item.put(Items.SWEEP_PK, Items.s(sweepPartition(shardOf(c.instanceId(), c.callId()))));
            item.put(Items.SWEEP_SK, Items.n(c.startedAtMillis()));
        }
        return item;
    }

    public static CallRecord fromItem(Map<String, AttributeValue> item) {
        AttributeValue ended = item.get(Items.ENDED_AT);
        return new CallRecord(
                Items.str(item, Items.INSTANCE_ID),
                Items.str(item, Items.CALL_ID),
                CallState.fromWire(Items.str(item, Items.STATE)),
                Items.num(item, Items.STARTED_AT, 0),
                Items.str(item, Items.CALLER),
                Items.num(item, Items.TURNS, 0),
                Items.str(item, Items.GENERATION),
                Items.num(item, Items.VERSION, 0),
                ended == null ? null : Long.parseLong(ended.n()),
                Items.num(item, Items.EXPIRES_AT, 0));
    }
}
