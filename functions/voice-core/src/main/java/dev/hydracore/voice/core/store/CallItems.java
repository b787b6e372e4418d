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
    /** Shards of the sweeper's index, so no single GSI partition takes every active call. */
    public static final int SWEEP_SHARDS = 8;

    private CallItems() {}

    public static String sweepPartition(int shard) {
        return "ACTIVE#" + shard;
    }

    public static int shardOf(String instanceId, String callId) {
        return Math.floorMod((instanceId + "/" + callId).hashCode(), SWEEP_SHARDS);
    }

    public static Map<String, AttributeValue> toItem(CallRecord c) {
        Map<String, AttributeValue> item = new HashMap<>(TableLayout.callKey(c.instanceId(), c.callId()));
        item.put(TableLayout.INSTANCE_ID, TableLayout.s(c.instanceId()));
        item.put(TableLayout.CALL_ID, TableLayout.s(c.callId()));
        item.put(TableLayout.STATE, TableLayout.s(c.state().wire()));
        item.put(TableLayout.STARTED_AT, TableLayout.n(c.startedAtMillis()));
        if (c.callerPhone() != null) {
            item.put(TableLayout.CALLER_PHONE, TableLayout.s(c.callerPhone()));
        }
        item.put(TableLayout.TURNS, TableLayout.n(c.turns()));
        item.put(TableLayout.GENERATION, TableLayout.s(c.generation()));
        item.put(TableLayout.VERSION, TableLayout.n(c.version()));
        if (c.endedAtMillis() != null) {
            item.put(TableLayout.ENDED_AT, TableLayout.n(c.endedAtMillis()));
        }
        item.put(TableLayout.EXPIRES_AT, TableLayout.n(c.expiresAtEpochSeconds()));
        if (c.state().active()) {
            item.put(TableLayout.ACTIVE_SINCE, TableLayout.n(c.startedAtMillis()));
            item.put(TableLayout.SWEEP_PK, TableLayout.s(sweepPartition(shardOf(c.instanceId(), c.callId()))));
            item.put(TableLayout.SWEEP_SK, TableLayout.n(c.startedAtMillis()));
        }
        return item;
    }

    public static CallRecord fromItem(Map<String, AttributeValue> item) {
        AttributeValue ended = item.get(TableLayout.ENDED_AT);
        return new CallRecord(
                TableLayout.str(item, TableLayout.INSTANCE_ID),
                TableLayout.str(item, TableLayout.CALL_ID),
                CallState.fromWire(TableLayout.str(item, TableLayout.STATE)),
                TableLayout.num(item, TableLayout.STARTED_AT, 0),
                TableLayout.str(item, TableLayout.CALLER_PHONE),
                TableLayout.num(item, TableLayout.TURNS, 0),
                TableLayout.str(item, TableLayout.GENERATION),
                TableLayout.num(item, TableLayout.VERSION, 0),
                ended == null ? null : Long.parseLong(ended.n()),
                TableLayout.num(item, TableLayout.EXPIRES_AT, 0));
    }
}
