package dev.hydracore.voice.core.store;

import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.calls.CallEvent;
import dev.hydracore.voice.core.calls.CallLifecycle;
import dev.hydracore.voice.core.calls.CallRecord;
import dev.hydracore.voice.core.calls.CallState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * Call records and the instance's {@code active_calls} counter, kept equal to the number of active
 * records of the channel's generation by writing both in one transaction.
 *
 * <p>An event costs one {@link #read} (a strongly consistent BatchGetItem of the instance item —
 * which the webhook also needs for the signing secret — the call item and, for a bot turn, its
 * marker) and, when the state machine says something changes, one TransactWriteItems:
 * <ul>
 *   <li>Put of the call item, conditional on the version read ({@code attribute_not_exists} when new);</li>
 *   <li>for a counted bot turn, Put of its marker item, so a redelivery is recognised;</li>
 *   <li>{@code ADD active_calls :delta} on the instance item when the counter moves, else a
 *       ConditionCheck — both conditional on the channel generation read, so an event racing a
 *       teardown writes nothing.</li>
 * </ul>
 * A lost race re-reads and decides again (bounded); a changed or vanished generation is
 * {@link Outcome#NO_CHANNEL}. Call records of another generation (left by a teardown still
 * deleting, or a crashed one) are treated as absent by the state machine and never counted.
 */
public final class CallStore {
    private static final int MAX_ATTEMPTS = 10;
    private static final String CONDITIONAL_CHECK_FAILED = "ConditionalCheckFailed";

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;
    private final CallLifecycle lifecycle;
    private final long maxCallMillis;
    private final Optional<Integer> pageLimit;

    public CallStore(DynamoDbClient dynamo, Settings settings, Clock clock) {
        this.dynamo = dynamo;
        this.table = settings.tableName();
        this.clock = clock;
        this.lifecycle = new CallLifecycle(settings.maxCallDuration(), settings.endedCallTtl());
        this.maxCallMillis = settings.maxCallDuration().toMillis();
        this.pageLimit = settings.queryPageLimit();
    }

    public static CallStore of(Services services) {
        return new CallStore(services.aws().dynamo(), services.settings(), services.clock());
    }

    public enum Outcome { APPLIED, UNCHANGED, NO_CHANNEL }

    /** Too many lost races in a row (or throttled reads): the caller answers 503 and the provider retries. */
    public static final class ContentionException extends RuntimeException {
        public ContentionException() {
            super("call state is contended; retry later", null, false, false);
        }
    }

    /** What one consistent read saw. */
    public record Snapshot(String instanceId, Optional<InstanceRecord> instance, String callId,
                           Optional<CallRecord> storedCall, String turnEventId, Optional<String> turnMarkerGeneration) {

        public Optional<ChannelRecord> channel() {
            return instance.flatMap(InstanceRecord::channel);
        }

        Optional<CallRecord> callOf(String generation) {
            return storedCall.filter(c -> generation.equals(c.generation()));
        }

        boolean turnCountedIn(String generation) {
            return turnMarkerGeneration.filter(generation::equals).isPresent();
        }
    }

    /** One strongly consistent BatchGetItem: the instance item and, when named, the call item and turn marker. */
    public Snapshot read(String instanceId, String callId, String turnEventId) {
        List<Map<String, AttributeValue>> keys = new ArrayList<>(3);
        keys.add(Items.instanceKey(instanceId));
        if (callId != null) {
            keys.add(Items.callKey(instanceId, callId));
            if (turnEventId != null) {
                keys.add(Items.turnMarkerKey(instanceId, callId, turnEventId));
            }
        }
        Map<String, KeysAndAttributes> pending = Map.of(table, KeysAndAttributes.builder().keys(keys).consistentRead(true).build());
        List<Map<String, AttributeValue>> found = new ArrayList<>(3);
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            Map<String, KeysAndAttributes> request = pending;
            BatchGetItemResponse r = dynamo.batchGetItem(b -> b.requestItems(request));
            found.addAll(r.responses().getOrDefault(table, List.of()));
            pending = r.hasUnprocessedKeys() ? r.unprocessedKeys() : Map.of();
            if (!pending.isEmpty()) {
                if (attempt >= MAX_ATTEMPTS) {
                    throw new ContentionException();
                }
                backoff(attempt);
            }
        }
        Optional<InstanceRecord> instance = Optional.empty();
        Optional<CallRecord> call = Optional.empty();
        Optional<String> marker = Optional.empty();
        for (Map<String, AttributeValue> item : found) {
            String sk = Items.str(item, Items.SK);
            if ("INSTANCE".equals(sk)) {
                instance = Optional.of(InstanceRecord.fromItem(item));
            } else if (sk != null && sk.contains(Items.TURN_MARKER_INFIX)) {
                marker = Optional.ofNullable(Items.str(item, Items.GENERATION));
            } else if (sk != null) {
                call = Optional.of(CallRecord.fromItem(item));
            }
        }
        return new Snapshot(instanceId, instance, callId, call, turnEventId, marker);
    }

    /**
     * Applies the event to the call the snapshot names, under the generation the snapshot saw. The
     * snapshot must have been read with the event's call id and turn event id.
     */
    public Outcome apply(Snapshot snapshot, CallEvent event) {
        if (snapshot.callId() == null) {
            throw new IllegalArgumentException("the snapshot names no call");
        }
        Optional<String> seen = snapshot.channel().map(ChannelRecord::generation);
        if (seen.isEmpty()) {
            return Outcome.NO_CHANNEL;
        }
        String generation = seen.get();
        Snapshot s = snapshot;
        for (int attempt = 1; ; attempt++) {
            Optional<CallLifecycle.Transition> t = lifecycle.apply(s.instanceId(), s.callId(), generation,
                    s.callOf(generation), s.turnCountedIn(generation), event, clock.millis());
            if (t.isEmpty()) {
                return Outcome.UNCHANGED;
            }
            try {
                write(s, generation, t.get());
                return Outcome.APPLIED;
            } catch (TransactionCanceledException e) {
                if (instanceConditionFailed(e)) {
                    return Outcome.NO_CHANNEL;
                }
                if (attempt >= MAX_ATTEMPTS) {
                    throw new ContentionException();
                }
                backoff(attempt);
                s = read(s.instanceId(), s.callId(), s.turnEventId());
                if (!s.channel().map(ChannelRecord::generation).filter(generation::equals).isPresent()) {
                    return Outcome.NO_CHANNEL;
                }
            }
        }
    }

    private void write(Snapshot s, String generation, CallLifecycle.Transition t) {
        CallRecord next = t.next();
        List<TransactWriteItem> items = new ArrayList<>(3);
        Put.Builder call = Put.builder().tableName(table);
        if (s.storedCall().isPresent()) {
            long storedVersion = s.storedCall().get().version();
            // A record of another generation is overwritten, so its version still guards the write.
            next = withVersion(next, Math.max(next.version(), storedVersion + 1));
            call.conditionExpression("#v = :v").expressionAttributeNames(Map.of("#v", Items.VERSION))
                    .expressionAttributeValues(Map.of(":v", Items.n(storedVersion)));
        } else {
            call.conditionExpression("attribute_not_exists(pk)");
        }
        items.add(TransactWriteItem.builder().put(call.item(next.toItem()).build()).build());
        if (t.countsTurnEvent()) {
            Map<String, AttributeValue> marker = new HashMap<>(Items.turnMarkerKey(s.instanceId(), s.callId(), s.turnEventId()));
            marker.put(Items.GENERATION, Items.s(generation));
            marker.put(Items.EXPIRES_AT, Items.n(next.expiresAtEpochSeconds()));
            items.add(TransactWriteItem.builder().put(Put.builder().tableName(table).item(marker)
                    .conditionExpression("attribute_not_exists(pk) OR #g <> :g")
                    .expressionAttributeNames(Map.of("#g", Items.GENERATION))
                    .expressionAttributeValues(Map.of(":g", Items.s(generation))).build()).build());
        }
        // Last, so its cancellation reason is the last one: see instanceConditionFailed.
        if (t.counterDelta() != 0) {
            items.add(TransactWriteItem.builder().update(Update.builder().tableName(table).key(Items.instanceKey(s.instanceId()))
                    .updateExpression("ADD #c :d").conditionExpression("#g = :g")
                    .expressionAttributeNames(Map.of("#c", Items.ACTIVE_CALLS, "#g", Items.GENERATION))
                    .expressionAttributeValues(Map.of(":d", Items.n(t.counterDelta()), ":g", Items.s(generation)))
                    .build()).build());
        } else {
            items.add(TransactWriteItem.builder().conditionCheck(ConditionCheck.builder().tableName(table)
                    .key(Items.instanceKey(s.instanceId())).conditionExpression("#g = :g")
                    .expressionAttributeNames(Map.of("#g", Items.GENERATION))
                    .expressionAttributeValues(Map.of(":g", Items.s(generation))).build()).build());
        }
        dynamo.transactWriteItems(r -> r.transactItems(items));
    }

    private static boolean instanceConditionFailed(TransactionCanceledException e) {
        List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
        return !reasons.isEmpty() && CONDITIONAL_CHECK_FAILED.equals(reasons.get(reasons.size() - 1).code());
    }

    /**
     * The active calls of the channel's generation, oldest first: a strongly consistent Query of the
     * sparse LSI (only active calls carry its key), every page. Calls past the maximum duration and
     * expired records are left out, as TTL deletion is lazy.
     */
    public List<CallRecord> activeCalls(String instanceId, String generation) {
        return activeView(instanceId).callsOf(generation, clock.millis(), maxCallMillis);
    }

    /**
     * What the sparse active-calls index holds for an instance, every page, strongly consistent:
     * the instance item itself (registered with {@code active_since = 0}, so it sorts first and
     * comes with the first page: List Active Calls needs no separate read for tenancy) and the
     * call records that are active. {@code instance} is empty when the instance is not registered,
     * or was registered before the instance item joined the index (read it separately then).
     */
    public ActiveView activeView(String instanceId) {
        Optional<InstanceRecord> instance = Optional.empty();
        List<CallRecord> calls = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest.Builder q = QueryRequest.builder().tableName(table).indexName(Items.LSI_ACTIVE)
                    .keyConditionExpression("pk = :pk").consistentRead(true).scanIndexForward(true)
                    .expressionAttributeValues(Map.of(":pk", Items.s(Items.INSTANCE_PREFIX + instanceId)));
            pageLimit.ifPresent(q::limit);
            if (start != null) {
                q.exclusiveStartKey(start);
            }
            QueryResponse page = dynamo.query(q.build());
            for (Map<String, AttributeValue> item : page.items()) {
                String sk = Items.str(item, Items.SK);
                if (Items.INSTANCE_SORT_KEY.equals(sk)) {
                    instance = Optional.of(InstanceRecord.fromItem(item));
                } else if (sk != null && sk.startsWith(Items.CALL_PREFIX) && item.containsKey(Items.STATE)) {
                    calls.add(CallRecord.fromItem(item));
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return new ActiveView(instance, List.copyOf(calls));
    }

    /** One read of the active-calls index: the instance (when it is in the index) and its active calls. */
    public record ActiveView(Optional<InstanceRecord> instance, List<CallRecord> calls) {
        /** Calls of the live channel generation that still count (younger than the maximum, not expired). */
        public List<CallRecord> callsOf(String generation, long nowMillis, long maxCallMillis) {
            return calls.stream().filter(c -> generation.equals(c.generation()) && c.countsAsActive(nowMillis, maxCallMillis))
                    .toList();
        }
    }

    public long maxCallMillis() {
        return maxCallMillis;
    }

    public record CallKey(String instanceId, String callId) {}

    /** Active calls of one sweep shard that started before the cutoff (the sparse GSI; every page). */
    public List<CallKey> startedBefore(int shard, long cutoffMillis) {
        List<CallKey> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest.Builder q = QueryRequest.builder().tableName(table).indexName(Items.GSI_SWEEP)
                    .keyConditionExpression("#p = :p AND #s < :cutoff")
                    .expressionAttributeNames(Map.of("#p", Items.SWEEP_PK, "#s", Items.SWEEP_SK))
                    .expressionAttributeValues(Map.of(":p", Items.s(CallRecord.sweepPartition(shard)),
                            ":cutoff", Items.n(cutoffMillis)));
            pageLimit.ifPresent(q::limit);
            if (start != null) {
                q.exclusiveStartKey(start);
            }
            QueryResponse page = dynamo.query(q.build());
            for (Map<String, AttributeValue> item : page.items()) {
                String pk = Items.str(item, Items.PK);
                String sk = Items.str(item, Items.SK);
                if (pk != null && sk != null && pk.startsWith(Items.INSTANCE_PREFIX) && sk.startsWith(Items.CALL_PREFIX)) {
                    out.add(new CallKey(pk.substring(Items.INSTANCE_PREFIX.length()), sk.substring(Items.CALL_PREFIX.length())));
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }

    public enum SweepOutcome { ENDED, ORPHAN_REMOVED, NOTHING }

    /**
     * Ends a call that started before the cutoff through the same conditional transition as a
     * webhook's call end (so the counter follows, and concurrent sweeps or webhooks are safe). A
     * record whose generation is no longer the channel's is an orphan of an interrupted teardown,
     * counted nowhere: it is deleted.
     */
    public SweepOutcome endOverdue(CallKey key, long cutoffMillis) {
        Snapshot s = read(key.instanceId(), key.callId(), null);
        Optional<CallRecord> stored = s.storedCall();
        if (stored.isEmpty() || !stored.get().state().active() || stored.get().startedAtMillis() >= cutoffMillis) {
            return SweepOutcome.NOTHING;
        }
        Optional<String> generation = s.channel().map(ChannelRecord::generation);
        if (generation.isEmpty() || !generation.get().equals(stored.get().generation())) {
            try {
                dynamo.deleteItem(d -> d.tableName(table).key(Items.callKey(key.instanceId(), key.callId()))
                        .conditionExpression("#v = :v AND #g = :g")
                        .expressionAttributeNames(Map.of("#v", Items.VERSION, "#g", Items.GENERATION))
                        .expressionAttributeValues(Map.of(":v", Items.n(stored.get().version()),
                                ":g", Items.s(stored.get().generation()))));
                return SweepOutcome.ORPHAN_REMOVED;
            } catch (ConditionalCheckFailedException e) {
                return SweepOutcome.NOTHING;
            }
        }
        return apply(s, CallEvent.state(CallState.ENDED, null)) == Outcome.APPLIED ? SweepOutcome.ENDED : SweepOutcome.NOTHING;
    }

    private static CallRecord withVersion(CallRecord c, long version) {
        return new CallRecord(c.instanceId(), c.callId(), c.state(), c.startedAtMillis(), c.caller(), c.turns(),
                c.generation(), version, c.endedAtMillis(), c.expiresAtEpochSeconds());
    }

    private static void backoff(int attempt) {
        try {
            // Jittered, growing a little per attempt: concurrent deliveries of one call spread out.
            Thread.sleep(ThreadLocalRandom.current().nextLong(2, 10L * Math.min(attempt, 5) + 3));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContentionException();
        }
    }
}
