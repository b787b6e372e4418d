package dev.hydracore.voice.core.calls;

/**
 * One call of an instance: the one model that the webhook and sweeper write and List Active Calls
 * and Teardown read (stored by {@code store.CallItems} at {@code INSTANCE#{iid} / CALL#{call_id}}).
 *
 * <ul>
 *   <li>{@code startedAtMillis}: server clock when the call was first seen (any event creates it);</li>
 *   <li>{@code turns}: transcript turns seen so far, never decreasing;</li>
 *   <li>{@code generation}: the channel generation it was written under;</li>
 *   <li>{@code version}: optimistic-concurrency counter, +1 per write;</li>
 *   <li>{@code expiresAtEpochSeconds}: DynamoDB TTL. Active: start + max call duration + ended TTL;
 *       ended: end + ended TTL (kept briefly to absorb duplicate and late deliveries).</li>
 * </ul>
 */
public record CallRecord(
        String instanceId,
        String callId,
        CallState state,
        long startedAtMillis,
        String callerPhone,
        long turns,
        String generation,
        long version,
        Long endedAtMillis,
        long expiresAtEpochSeconds) {

    /** Active and not past the maximum call duration or its TTL (TTL deletion is lazy). */
    public boolean countsAsActive(long nowMillis, long maxCallMillis) {
        return state.active()
                && nowMillis - startedAtMillis < maxCallMillis
                && expiresAtEpochSeconds * 1000 > nowMillis;
    }
}
