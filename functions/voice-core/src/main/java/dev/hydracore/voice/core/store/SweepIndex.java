package dev.hydracore.voice.core.store;

import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.calls.CallEvent;
import dev.hydracore.voice.core.calls.CallRecord;
import dev.hydracore.voice.core.calls.CallState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/** The sweeper's store: the sparse sweep index (active calls by start time, in shards) and the end of an overdue call. */
public final class SweepIndex {
    private final DynamoDbClient dynamo;
    private final String table;
    private final Optional<Integer> pageLimit;
    private final CallTransitions transitions;

    public SweepIndex(DynamoDbClient dynamo, Settings settings, CallTransitions transitions) {
        this.dynamo = dynamo;
        this.table = settings.tableName();
        this.pageLimit = settings.queryPageLimit();
        this.transitions = transitions;
    }

    public int shards() {
        return CallItems.SWEEP_SHARDS;
    }

    /**
     * Every active call of one sweep shard (the sparse GSI; every page), counted, and those that
     * started before the cutoff: the whole shard is read, not only its overdue part, so that one
     * Query per shard gives the sweeper both the calls to end and the active-calls total it publishes.
     */
    public Shard scan(int shard, long cutoffMillis) {
        List<CallKey> overdue = new ArrayList<>();
        int[] active = {0};
        Paging.forEachPage(
                dynamo,
                QueryRequest.builder()
                        .tableName(table)
                        .indexName(TableLayout.GSI_SWEEP)
                        .keyConditionExpression("#p = :p")
                        .expressionAttributeNames(Map.of("#p", TableLayout.SWEEP_PK))
                        .expressionAttributeValues(Map.of(":p", TableLayout.s(CallItems.sweepPartition(shard)))),
                pageLimit,
                page -> {
                    for (var item : page) {
                        String pk = TableLayout.str(item, TableLayout.PK);
                        String sk = TableLayout.str(item, TableLayout.SK);
                        if (pk != null
                                && sk != null
                                && pk.startsWith(TableLayout.INSTANCE_PREFIX)
                                && sk.startsWith(TableLayout.CALL_PREFIX)
                                && !sk.startsWith(TableLayout.ADMISSION_PREFIX)) {
                            active[0]++;
                            var started = item.get(TableLayout.SWEEP_SK);
                            if (started != null && Long.parseLong(started.n()) < cutoffMillis) {
                                overdue.add(new CallKey(
                                        pk.substring(TableLayout.INSTANCE_PREFIX.length()),
                                        sk.substring(TableLayout.CALL_PREFIX.length())));
                            }
                        }
                    }
                });
        return new Shard(List.copyOf(overdue), active[0]);
    }

    /**
     * Ends a call that started before the cutoff through the same conditional transition as a
     * webhook's call end (so the counter follows, and concurrent sweeps or webhooks are safe). A
     * record whose generation is no longer the channel's is an orphan of an interrupted teardown,
     * counted nowhere: it is deleted, conditional on the version and generation read. A retry of
     * that delete whose first attempt committed (its answer lost) fails the condition: a re-read
     * that finds the record gone is {@link SweepOutcome#ORPHAN_REMOVED} (this run's delete, or a
     * concurrent run's or the teardown's purge of the same orphan: it is gone either way), one
     * found rewritten is {@link SweepOutcome#NOTHING}.
     */
    public SweepOutcome endOverdue(CallKey key, long cutoffMillis) {
        CallTransitions.CallRead s = transitions.read(key.instanceId(), key.callId(), null);
        Optional<CallRecord> stored = s.storedCall();
        if (stored.isEmpty() || !stored.get().state().active() || stored.get().startedAtMillis() >= cutoffMillis) {
            return SweepOutcome.NOTHING;
        }
        Optional<String> generation = s.channel().map(ChannelRecord::generation);
        if (generation.isEmpty() || !generation.get().equals(stored.get().generation())) {
            try {
                dynamo.deleteItem(d -> d.tableName(table)
                        .key(TableLayout.callKey(key.instanceId(), key.callId()))
                        .conditionExpression("#v = :v AND #g = :g")
                        .expressionAttributeNames(Map.of("#v", TableLayout.VERSION, "#g", TableLayout.GENERATION))
                        .expressionAttributeValues(Map.of(
                                ":v",
                                TableLayout.n(stored.get().version()),
                                ":g",
                                TableLayout.s(stored.get().generation()))));
                return SweepOutcome.ORPHAN_REMOVED;
            } catch (ConditionalCheckFailedException e) {
                Map<String, AttributeValue> now = dynamo.getItem(g -> g.tableName(table)
                                .key(TableLayout.callKey(key.instanceId(), key.callId()))
                                .consistentRead(true))
                        .item();
                return now == null || now.isEmpty() ? SweepOutcome.ORPHAN_REMOVED : SweepOutcome.NOTHING;
            }
        }
        return transitions.apply(s, CallEvent.state(CallState.ENDED, null)) == CallTransitions.Outcome.APPLIED
                ? SweepOutcome.ENDED
                : SweepOutcome.NOTHING;
    }

    public record CallKey(String instanceId, String callId) {}

    /** One shard's read: the overdue calls to end, and how many active calls it holds in all. */
    public record Shard(List<CallKey> overdue, int activeCalls) {}

    public enum SweepOutcome {
        ENDED,
        ORPHAN_REMOVED,
        NOTHING
    }
}
