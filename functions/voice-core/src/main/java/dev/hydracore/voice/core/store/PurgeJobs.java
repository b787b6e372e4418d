package dev.hydracore.voice.core.store;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Teardown answers in bounded time however long the call history is: it queues a purge job and
 * removes the channel (two single-item writes); the sweeper, every minute, works through the jobs with a time
 * budget per run ({@link CallRecordPurge} deletes the dead generations' call items page by page).
 * The records stop counting and listing at once — their generation is gone — and are removed
 * within minutes. A job is deleted only once its instance has no dead-generation record left, and
 * only if no later teardown re-queued it meanwhile.
 */
public final class PurgeJobs {
    /** Jobs read per Query page. */
    static final int JOBS_PER_PAGE = 25;

    private final DynamoDbClient dynamo;
    private final String table;
    private final CallRecordPurge purge;
    private final Clock clock;

    public PurgeJobs(DynamoDbClient dynamo, String table, CallRecordPurge purge, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.purge = purge;
        this.clock = clock;
    }

    /**
     * Queues (or re-queues) the purge of the instance's dead-generation call records: one PutItem,
     * written before the channel is removed, so a 204 always has a job behind it. A job queued by a
     * teardown whose removal then failed deletes nothing: the channel's generation is still live.
     */
    public void queue(String instanceId) {
        Map<String, AttributeValue> item = new HashMap<>(TableLayout.purgeJobKey(instanceId));
        item.put(TableLayout.INSTANCE_ID, TableLayout.s(instanceId));
        item.put(TableLayout.QUEUED_AT, TableLayout.n(clock.millis()));
        dynamo.putItem(r -> r.tableName(table).item(item));
    }

    /** Works through the queued jobs, oldest page first, until none is left or {@code budget} is spent. */
    public Result work(Duration budget) {
        return work(budget, Set::of);
    }

    /**
     * As {@link #work(Duration)}, leaving for a later run the instances {@code held} names, read
     * after each page of jobs (the sweeper holds those whose live calls the provider clean-up has
     * not listed yet from the records; a teardown queues that job before its purge job, so a purge
     * job read here has its clean-up job visible to {@code held}).
     */
    public Result work(Duration budget, Supplier<Set<String>> held) {
        long deadline = System.nanoTime() + budget.toNanos();
        boolean later = false;
        int finished = 0;
        int deleted = 0;
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = dynamo.query(q -> q.tableName(table)
                    .consistentRead(true)
                    .limit(JOBS_PER_PAGE)
                    .keyConditionExpression("#pk = :pk")
                    .expressionAttributeNames(Map.of("#pk", TableLayout.PK))
                    .expressionAttributeValues(Map.of(":pk", TableLayout.s(TableLayout.PURGE_PARTITION)))
                    .exclusiveStartKey(from));
            Set<String> heldNow = page.items().isEmpty() ? Set.of() : held.get();
            for (Map<String, AttributeValue> job : page.items()) {
                if (System.nanoTime() - deadline > 0) {
                    return new Result(finished, deleted, true);
                }
                String instanceId = TableLayout.str(job, TableLayout.INSTANCE_ID);
                if (heldNow.contains(instanceId)) {
                    later = true;
                    continue;
                }
                CallRecordPurge.Progress p = purge.purge(instanceId, deadline);
                deleted += p.deleted();
                if (!p.complete()) {
                    return new Result(finished, deleted, true);
                }
                if (finish(job)) {
                    finished++;
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return new Result(finished, deleted, later);
    }

    /** True when the job was deleted; false when a later teardown re-queued it (the next run does that one). */
    private boolean finish(Map<String, AttributeValue> job) {
        try {
            dynamo.deleteItem(d -> d.tableName(table)
                    .key(Map.of(TableLayout.PK, job.get(TableLayout.PK), TableLayout.SK, job.get(TableLayout.SK)))
                    .conditionExpression("#q = :q")
                    .expressionAttributeNames(Map.of("#q", TableLayout.QUEUED_AT))
                    .expressionAttributeValues(Map.of(":q", job.get(TableLayout.QUEUED_AT))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** What one run did: jobs finished, records deleted, and whether jobs are left for the next run. */
    public record Result(int jobsFinished, int recordsDeleted, boolean jobsLeft) {}
}
