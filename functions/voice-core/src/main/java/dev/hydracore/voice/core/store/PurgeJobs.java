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
 *
 * <p>Lost answers: {@link #queue} is an unconditional put (its retry writes the same job again).
 * Finishing a job is two writes so that a lost answer is recognised: first a tombstone, an update
 * conditional on the queued job's {@code write_token} that stamps {@code finished_by} with our
 * token (a retry whose first attempt committed re-reads and finds its own stamp: finished, counted
 * once; another run's stamp or a re-queue: not ours, not counted), then a delete conditional on
 * that stamp (a retry finding it gone is the same outcome). A tombstone left by a run that stopped
 * in between is removed by the next run, uncounted.
 */
public final class PurgeJobs {
    /** Jobs read per Query page. */
    static final int JOBS_PER_PAGE = 25;

    /** The token of the run that finished the job: set on the tombstone before the delete. */
    static final String FINISHED_BY = "finished_by";

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
        Map<String, AttributeValue> tokened = WriteToken.fresh().on(item);
        dynamo.putItem(r -> r.tableName(table).item(tokened));
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
                if (job.containsKey(FINISHED_BY)) {
                    removeTombstone(job, job.get(FINISHED_BY));
                    continue;
                }
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

    /**
     * True when this run finished the job (tombstoned it, then deleted it); false when a later
     * teardown re-queued it (the next run does that one) or another run finished it first.
     */
    private boolean finish(Map<String, AttributeValue> job) {
        WriteToken token = WriteToken.fresh();
        AttributeValue queuedBy = job.get(WriteToken.ATTRIBUTE);
        Map<String, String> names = new HashMap<>(Map.of("#f", FINISHED_BY));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":f", TableLayout.s(token.value())));
        String queued;
        if (queuedBy != null) {
            names.put("#w", WriteToken.ATTRIBUTE);
            values.put(":w", queuedBy);
            queued = "#w = :w";
        } else {
            // A job queued before jobs carried a write_token: its queued_at names it.
            names.put("#q", TableLayout.QUEUED_AT);
            values.put(":q", job.get(TableLayout.QUEUED_AT));
            queued = "#q = :q";
        }
        String condition = queued + " AND attribute_not_exists(#f)";
        try {
            dynamo.updateItem(u -> u.tableName(table)
                    .key(keyOf(job))
                    .updateExpression("SET #f = :f")
                    .conditionExpression(condition)
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values));
        } catch (ConditionalCheckFailedException e) {
            Map<String, AttributeValue> now = dynamo.getItem(
                            g -> g.tableName(table).key(keyOf(job)).consistentRead(true))
                    .item();
            if (now == null || !token.value().equals(TableLayout.str(now, FINISHED_BY))) {
                return false;
            }
            // Our tombstone committed and its answer was lost: the retry met our own write.
        }
        removeTombstone(job, TableLayout.s(token.value()));
        return true;
    }

    /** Deletes the job if it is still the tombstone {@code finishedBy} stamped (not re-queued since). */
    private void removeTombstone(Map<String, AttributeValue> job, AttributeValue finishedBy) {
        try {
            dynamo.deleteItem(d -> d.tableName(table)
                    .key(keyOf(job))
                    .conditionExpression("#f = :f")
                    .expressionAttributeNames(Map.of("#f", FINISHED_BY))
                    .expressionAttributeValues(Map.of(":f", finishedBy)));
        } catch (ConditionalCheckFailedException e) {
            // Gone (our own delete, its answer lost) or re-queued since: either way nothing to remove.
        }
    }

    private static Map<String, AttributeValue> keyOf(Map<String, AttributeValue> job) {
        return Map.of(TableLayout.PK, job.get(TableLayout.PK), TableLayout.SK, job.get(TableLayout.SK));
    }

    /** What one run did: jobs finished, records deleted, and whether jobs are left for the next run. */
    public record Result(int jobsFinished, int recordsDeleted, boolean jobsLeft) {}
}
