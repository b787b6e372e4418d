package dev.hydracore.voice.core.calls;

import dev.hydracore.voice.core.store.Items;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One call of an instance, as stored at {@code INSTANCE#{iid} / CALL#{call_id}}: the one model
 * that the webhook and sweeper write and List Active Calls and Teardown read.
 *
 * <ul>
 *   <li>{@code startedAtMillis}: server clock when the call was first seen (any event creates it);</li>
 *   <li>{@code turns}: transcript turns seen so far, never decreasing;</li>
 *   <li>{@code generation}: the channel generation it was written under;</li>
 *   <li>{@code version}: optimistic-concurrency counter, +1 per write;</li>
 *   <li>{@code expiresAtEpochSeconds}: DynamoDB TTL. Active: start + max call duration + ended TTL;
 *       ended: end + ended TTL (kept briefly to absorb duplicate and late deliveries).</li>
 * </ul>
 * While active the item also carries {@code active_since} (sparse LSI: List Active Calls reads
 * only active calls, oldest first, strongly consistent) and {@code sweep_pk}/{@code sweep_sk}
 * (sparse GSI: the sweeper finds overdue calls without a scan); ending a call removes them.
 */
public record CallRecord(
        String instanceId,
        String callId,
        CallState state,
        long startedAtMillis,
        String caller,
        long turns,
        String generation,
        long version,
        Long endedAtMillis,
        long expiresAtEpochSeconds) {

    /** Shards of the sweeper's index, so no single GSI partition takes every active call. */
    public static final int SWEEP_SHARDS = 8;

    public static String sweepPartition(int shard) {
        return "ACTIVE#" + shard;
    }

    public static int shardOf(String instanceId, String callId) {
        return Math.floorMod((instanceId + "/" + callId).hashCode(), SWEEP_SHARDS);
    }

    public Map<String, AttributeValue> toItem() {
        Map<String, AttributeValue> item = new HashMap<>(Items.callKey(instanceId, callId));
        item.put(Items.INSTANCE_ID, Items.s(instanceId));
        item.put(Items.CALL_ID, Items.s(callId));
        item.put(Items.STATE, Items.s(state.wire()));
        item.put(Items.STARTED_AT, Items.n(startedAtMillis));
        if (caller != null) {
            item.put(Items.CALLER, Items.s(caller));
        }
        item.put(Items.TURNS, Items.n(turns));
        item.put(Items.GENERATION, Items.s(generation));
        item.put(Items.VERSION, Items.n(version));
        if (endedAtMillis != null) {
            item.put(Items.ENDED_AT, Items.n(endedAtMillis));
        }
        item.put(Items.EXPIRES_AT, Items.n(expiresAtEpochSeconds));
        if (state.active()) {
            item.put(Items.ACTIVE_SINCE, Items.n(startedAtMillis));
            item.put(Items.SWEEP_PK, Items.s(sweepPartition(shardOf(instanceId, callId))));
            item.put(Items.SWEEP_SK, Items.n(startedAtMillis));
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

    /** Active and not past the maximum call duration or its TTL (TTL deletion is lazy). */
    public boolean countsAsActive(long nowMillis, long maxCallMillis) {
        return state.active() && nowMillis - startedAtMillis < maxCallMillis && expiresAtEpochSeconds * 1000 > nowMillis;
    }
}
