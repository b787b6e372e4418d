package dev.hydracore.voice.core.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Deletes every call record of an instance that belongs to no live channel: the purge a teardown
 * queues ({@link PurgeJobs}) once the channel and its generation are gone, worked off by the sweeper. Reads keys (and generation) only, strongly
 * consistent, every page; deletes in BatchWriteItem chunks of 25, retrying unprocessed items a
 * bounded number of times with jittered backoff. Still unprocessed after that: a
 * {@link RetryLaterException}, which the handler answers 503 — a retried teardown finishes the job.
 *
 * <p>Why the generation check: BatchWriteItem deletes are unconditional, and a new setup may race
 * the purge and start taking calls. A record can only have been written while its generation was
 * the live one (call writes are conditional on it), and generations are never reused; so a record
 * whose generation differs from the instance's live generation, read after the record was seen,
 * belongs to a dead channel for good, while the new channel's records are left alone.
 */
public final class CallRecordPurge {
    /** BatchWriteItem's own limit. */
    static final int BATCH = 25;

    private final DynamoDbClient dynamo;
    private final String table;
    private final Optional<Integer> pageLimit;

    public CallRecordPurge(DynamoDbClient dynamo, String table, Optional<Integer> pageLimit) {
        this.dynamo = dynamo;
        this.table = table;
        this.pageLimit = pageLimit;
    }

    /** Deletes them all; returns how many were deleted. */
    public int purge(String instanceId) {
        return purge(instanceId, Long.MAX_VALUE).deleted();
    }

    /**
     * Deletes them page by page until none is left or {@code deadlineNanos} ({@link System#nanoTime()})
     * passes between pages. A purge stopped early is resumed by running it again: deleted records are
     * gone from the next Query, so it starts where this one stopped.
     */
    public Progress purge(String instanceId, long deadlineNanos) {
        QueryRequest.Builder query = QueryRequest.builder()
                .tableName(table)
                .keyConditionExpression("#pk = :pk AND begins_with(#sk, :call)")
                .expressionAttributeNames(
                        Map.of("#pk", TableLayout.PK, "#sk", TableLayout.SK, "#gen", TableLayout.GENERATION))
                .expressionAttributeValues(Map.of(
                        ":pk",
                        TableLayout.s(TableLayout.INSTANCE_PREFIX + instanceId),
                        ":call",
                        TableLayout.s(TableLayout.CALL_PREFIX)))
                .projectionExpression("#pk, #sk, #gen")
                .consistentRead(true);
        pageLimit.ifPresent(query::limit);
        int deleted = 0;
        Map<String, AttributeValue> start = null;
        do {
            if (start != null) {
                query.exclusiveStartKey(start);
            }
            QueryResponse r = dynamo.query(query.build());
            List<Map<String, AttributeValue>> page = r.items();
            String live = page.isEmpty() ? null : liveGeneration(instanceId);
            List<WriteRequest> deletes = new ArrayList<>(page.size());
            for (Map<String, AttributeValue> item : page) {
                if (live != null && live.equals(TableLayout.str(item, TableLayout.GENERATION))) {
                    continue;
                }
                deletes.add(WriteRequest.builder()
                        .deleteRequest(DeleteRequest.builder()
                                .key(Map.of(
                                        TableLayout.PK,
                                        item.get(TableLayout.PK),
                                        TableLayout.SK,
                                        item.get(TableLayout.SK)))
                                .build())
                        .build());
            }
            for (int i = 0; i < deletes.size(); i += BATCH) {
                deleteAll(deletes.subList(i, Math.min(i + BATCH, deletes.size())));
            }
            deleted += deletes.size();
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
            if (start != null && System.nanoTime() - deadlineNanos > 0) {
                return new Progress(deleted, false);
            }
        } while (start != null);
        return new Progress(deleted, true);
    }

    /** The generation of the instance's channel now, or null when it has none. */
    private String liveGeneration(String instanceId) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table)
                        .key(TableLayout.instanceKey(instanceId))
                        .projectionExpression("#gen")
                        .expressionAttributeNames(Map.of("#gen", TableLayout.GENERATION))
                        .consistentRead(true))
                .item();
        return item == null ? null : TableLayout.str(item, TableLayout.GENERATION);
    }

    private void deleteAll(List<WriteRequest> chunk) {
        List<WriteRequest> pending = chunk;
        for (int attempt = 1; ; attempt++) {
            List<WriteRequest> batch = pending;
            BatchWriteItemResponse r = dynamo.batchWriteItem(b -> b.requestItems(Map.of(table, batch)));
            pending = r.hasUnprocessedItems() ? r.unprocessedItems().getOrDefault(table, List.of()) : List.of();
            if (pending.isEmpty()) {
                return;
            }
            Backoff.UNPROCESSED_ITEMS.pauseOrGiveUp(
                    attempt,
                    new RetryLaterException(
                            "DynamoDB left call-record deletes unprocessed after " + attempt + " attempts"));
        }
    }

    /** How far a bounded purge got: records deleted, and whether none of a dead generation is left. */
    public record Progress(int deleted, boolean complete) {}
}
