package dev.hydracore.voice.core.store;

import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.calls.CallRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * List Active Calls' store: the sparse active-calls index (only active calls and the instance item
 * carry its key), read strongly consistently, every page. It owns the rule of which calls still
 * count: the channel's live generation, younger than the maximum call duration, not expired (TTL
 * deletion is lazy).
 */
public final class ActiveCallsIndex {
    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;
    private final long maxCallMillis;
    private final Optional<Integer> pageLimit;

    public ActiveCallsIndex(DynamoDbClient dynamo, Settings settings, Clock clock) {
        this.dynamo = dynamo;
        this.table = settings.tableName();
        this.clock = clock;
        this.maxCallMillis = settings.maxCallDuration().toMillis();
        this.pageLimit = settings.queryPageLimit();
    }

    /** The active calls of the channel's generation, oldest first, as of now. */
    public List<CallRecord> activeCalls(String instanceId, String generation) {
        return view(instanceId).activeCalls(generation, clock.millis());
    }

    /**
     * What the index holds for an instance: the instance item itself (registered with
     * {@code active_since = 0}, so it sorts first and comes with the first page: List Active Calls
     * needs no separate read for tenancy) and the call records that are active. {@code instance}
     * is empty when the instance is not registered, or was registered before the instance item
     * joined the index (read it separately then).
     */
    public View view(String instanceId) {
        List<Optional<InstanceRecord>> instance = new ArrayList<>(List.of(Optional.empty()));
        List<CallRecord> calls = new ArrayList<>();
        Paging.forEachPage(
                dynamo,
                QueryRequest.builder()
                        .tableName(table)
                        .indexName(TableLayout.LSI_ACTIVE)
                        .keyConditionExpression("pk = :pk")
                        .consistentRead(true)
                        .scanIndexForward(true)
                        .expressionAttributeValues(
                                Map.of(":pk", TableLayout.s(TableLayout.INSTANCE_PREFIX + instanceId))),
                pageLimit,
                page -> {
                    for (var item : page) {
                        String sk = TableLayout.str(item, TableLayout.SK);
                        if (TableLayout.INSTANCE_SORT_KEY.equals(sk)) {
                            instance.set(0, Optional.of(InstanceRecord.fromItem(item)));
                        } else if (sk != null
                                && sk.startsWith(TableLayout.CALL_PREFIX)
                                && item.containsKey(TableLayout.STATE)) {
                            calls.add(CallItems.fromItem(item));
                        }
                    }
                });
        return new View(instance.get(0), List.copyOf(calls), maxCallMillis);
    }

    /** One read of the index: the instance (when it is in the index) and its active call records. */
    public record View(Optional<InstanceRecord> instance, List<CallRecord> calls, long maxCallMillis) {
        /** Calls of the live channel generation that still count at {@code nowMillis}. */
        public List<CallRecord> activeCalls(String generation, long nowMillis) {
            return calls.stream()
                    .filter(c -> generation.equals(c.generation()) && c.countsAsActive(nowMillis, maxCallMillis))
                    .toList();
        }
    }
}
