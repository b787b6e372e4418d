package dev.hydracore.voice.core.store;

import dev.hydracore.voice.core.crypto.CredentialVault;
import dev.hydracore.voice.core.provider.Wiring;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Provider clean-up jobs: what a teardown (or a re-setup whose restore of the old number failed)
 * leaves for the sweeper to do at the provider — objects to restore, calls to hang up — with the
 * credentials it needs, still sealed under the instance-bound KMS context (a copy of the channel's
 * own ciphertexts: no KMS call to queue one). One item per job in one partition; each job lives
 * at most {@link #LIFETIME} (the sweeper deletes it then, DynamoDB's TTL is the backstop).
 *
 * <p>Lost answers and races: {@link #queue} is a conditional put of a fresh id, so an SDK retry of
 * a put that did commit fails its condition and counts as queued (only our own put can hold a
 * fresh id). {@link #progress} and {@link #listed} are conditional on the attempt number read, so
 * of two overlapping sweeper runs one records its progress and the other's is dropped (both did
 * only idempotent work: a restore checks the value first, a hang-up of an ended call is done);
 * each stamps the job with its {@link WriteToken}, so a retry whose first attempt committed (its
 * answer lost) re-reads, finds its own stamp and answers true, not "another run was first".
 * {@link #finish} is an unconditional delete: its retry deletes nothing and answers the same.
 */
public final class CleanupJobs {
    /** The one partition of clean-up jobs: teardowns are rare, and the sweeper reads them with one Query. */
    public static final String PARTITION = "CLEANUP";

    /** The longest a job (and the credentials it holds) is kept, done or not: the contract's bound. */
    public static final Duration LIFETIME = Duration.ofHours(24);

    /** Jobs read per Query page. */
    static final int JOBS_PER_PAGE = 25;

    static final String JOB_ID = "job_id";
    static final String AFTER_TEARDOWN = "after_teardown";
    static final String CALLS = "calls";
    static final String CALLS_TO_LIST = "calls_to_list";
    static final String ATTEMPTS = "attempts";
    static final String NEXT_ATTEMPT_AT = "next_attempt_at";

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public CleanupJobs(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    /**
     * A teardown's job: restore {@code restore}, and hang up the calls of {@code generation} that
     * have not ended, which the sweeper lists ({@link #listed}) before it purges their records.
     */
    public Job newTeardownJob(
            String instanceId,
            String generation,
            String provider,
            String twilioAccountSid,
            CredentialVault.Sealed sealed,
            List<Wiring.Wired> restore) {
        Job j = newJob(instanceId, true, generation, provider, twilioAccountSid, sealed, restore, List.of());
        return new Job(
                j.instanceId(),
                j.jobId(),
                true,
                generation,
                provider,
                twilioAccountSid,
                sealed,
                restore,
                List.of(),
                true,
                j.createdAt(),
                j.nextAttemptAt(),
                0);
    }

    /** A new job, due at once: restore {@code wiring}'s objects, hang up {@code calls}. */
    public Job newJob(
            String instanceId,
            boolean afterTeardown,
            String generation,
            String provider,
            String twilioAccountSid,
            CredentialVault.Sealed sealed,
            List<Wiring.Wired> restore,
            List<String> calls) {
        long now = clock.millis();
        return new Job(
                instanceId,
                UUID.randomUUID().toString(),
                afterTeardown,
                generation,
                provider,
                twilioAccountSid,
                sealed,
                restore,
                calls,
                false,
                now,
                now,
                0);
    }

    /** Stores a new job (one conditional PutItem; a retried put that had committed counts as done). */
    public void queue(Job job) {
        Map<String, AttributeValue> item = new HashMap<>(key(job));
        item.put(TableLayout.INSTANCE_ID, TableLayout.s(job.instanceId()));
        item.put(JOB_ID, TableLayout.s(job.jobId()));
        item.put(AFTER_TEARDOWN, AttributeValue.fromBool(job.afterTeardown()));
        putIfPresent(item, TableLayout.GENERATION, job.generation());
        item.put(TableLayout.PROVIDER, TableLayout.s(job.provider()));
        putIfPresent(item, TableLayout.TWILIO_ACCOUNT_SID, job.twilioAccountSid());
        item.put(
                TableLayout.DATA_KEY,
                AttributeValue.fromB(SdkBytes.fromByteArray(job.sealed().encryptedDataKey())));
        item.put(
                TableLayout.SEALED_CREDENTIALS,
                AttributeValue.fromB(SdkBytes.fromByteArray(job.sealed().ciphertext())));
        if (job.callsToList()) {
            item.put(CALLS_TO_LIST, AttributeValue.fromBool(true));
        }
        item.put(TableLayout.CREATED_AT, TableLayout.n(job.createdAt()));
        item.put(TableLayout.EXPIRES_AT, TableLayout.n((job.createdAt() + LIFETIME.toMillis()) / 1000));
        item.putAll(remaining(job.restore(), job.calls(), job.attempts(), job.nextAttemptAt()));
        try {
            dynamo.putItem(r -> r.tableName(table)
                    .item(item)
                    .conditionExpression("attribute_not_exists(#pk)")
                    .expressionAttributeNames(Map.of("#pk", TableLayout.PK)));
        } catch (ConditionalCheckFailedException e) {
            // The id is fresh: only our own earlier (retried) put can hold it.
        }
    }

    /** The jobs whose next attempt is due at {@code nowMillis}, at most {@code max}, read strongly consistent. */
    public List<Job> due(long nowMillis, int max) {
        List<Job> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = dynamo.query(q -> q.tableName(table)
                    .consistentRead(true)
                    .limit(JOBS_PER_PAGE)
                    .keyConditionExpression("#pk = :pk")
                    .expressionAttributeNames(Map.of("#pk", TableLayout.PK))
                    .expressionAttributeValues(Map.of(":pk", TableLayout.s(PARTITION)))
                    .exclusiveStartKey(from));
            for (Map<String, AttributeValue> item : page.items()) {
                Job job = fromItem(item);
                if (job.nextAttemptAt() <= nowMillis) {
                    out.add(job);
                    if (out.size() >= max) {
                        return out;
                    }
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }

    /**
     * Records what is left after an attempt and when to try again. False when another run recorded
     * progress on the job first (its record stands; the next run reads it).
     */
    public boolean progress(Job job, List<Wiring.Wired> restore, List<String> calls, long nextAttemptAt) {
        Map<String, AttributeValue> left = remaining(restore, calls, job.attempts() + 1, nextAttemptAt);
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        List<String> set = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, AttributeValue> e : left.entrySet()) {
            names.put("#f" + i, e.getKey());
            values.put(":f" + i, e.getValue());
            set.add("#f" + i + " = :f" + i);
            i++;
        }
        String removeCalls = left.containsKey(CALLS) ? "" : " REMOVE #calls";
        if (!removeCalls.isEmpty()) {
            names.put("#calls", CALLS);
        }
        WriteToken token = WriteToken.fresh();
        names.put("#attempts", ATTEMPTS);
        names.put("#token", WriteToken.ATTRIBUTE);
        values.put(":read", TableLayout.n(job.attempts()));
        values.put(":token", TableLayout.s(token.value()));
        set.add("#token = :token");
        try {
            dynamo.updateItem(u -> u.tableName(table)
                    .key(key(job))
                    .updateExpression("SET " + String.join(", ", set) + removeCalls)
                    .conditionExpression("#attempts = :read")
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return token.wrote(stored(job));
        }
    }

    /**
     * Records the calls a teardown's job is to hang up, listed from the dead generation's records:
     * from then on the records may be purged. False when another run listed them first.
     */
    public boolean listed(Job job, List<String> calls) {
        WriteToken token = WriteToken.fresh();
        Map<String, String> names =
                new HashMap<>(Map.of("#list", CALLS_TO_LIST, "#attempts", ATTEMPTS, "#token", WriteToken.ATTRIBUTE));
        Map<String, AttributeValue> values =
                new HashMap<>(Map.of(":read", TableLayout.n(job.attempts()), ":token", TableLayout.s(token.value())));
        String set = "SET #token = :token";
        if (!calls.isEmpty()) {
            names.put("#calls", CALLS);
            values.put(":calls", AttributeValue.fromSs(List.copyOf(calls)));
            set += ", #calls = :calls";
        }
        String update = set + " REMOVE #list";
        String expression = update;
        try {
            dynamo.updateItem(u -> u.tableName(table)
                    .key(key(job))
                    .updateExpression(expression)
                    .conditionExpression("attribute_exists(#list) AND #attempts = :read")
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return token.wrote(stored(job));
        }
    }

    /** Every job whose calls are still to be listed (due or not), read strongly consistent. */
    public List<Job> toList() {
        return due(Long.MAX_VALUE, Integer.MAX_VALUE).stream()
                .filter(Job::callsToList)
                .toList();
    }

    /** Deletes the job and the credentials it holds (done, given up, or not needed). */
    public void finish(Job job) {
        dynamo.deleteItem(d -> d.tableName(table).key(key(job)));
    }

    /** The job's item as stored now (strongly consistent), or null when it is gone. */
    private Map<String, AttributeValue> stored(Job job) {
        Map<String, AttributeValue> item = dynamo.getItem(
                        g -> g.tableName(table).key(key(job)).consistentRead(true))
                .item();
        return item == null || item.isEmpty() ? null : item;
    }

    private static Map<String, AttributeValue> key(Job job) {
        return TableLayout.key(PARTITION, TableLayout.INSTANCE_PREFIX + job.instanceId() + "#" + job.jobId());
    }

    private static Map<String, AttributeValue> remaining(
            List<Wiring.Wired> restore, List<String> calls, int attempts, long nextAttemptAt) {
        Map<String, AttributeValue> m = new HashMap<>();
        m.put(TableLayout.PROVIDER_WIRING, TableLayout.s(new Wiring(true, restore).toJson()));
        if (!calls.isEmpty()) {
            m.put(CALLS, AttributeValue.fromSs(List.copyOf(calls)));
        }
        m.put(ATTEMPTS, TableLayout.n(attempts));
        m.put(NEXT_ATTEMPT_AT, TableLayout.n(nextAttemptAt));
        return m;
    }

    private static void putIfPresent(Map<String, AttributeValue> item, String name, String value) {
        if (value != null && !value.isEmpty()) {
            item.put(name, TableLayout.s(value));
        }
    }

    private static Job fromItem(Map<String, AttributeValue> item) {
        AttributeValue calls = item.get(CALLS);
        AttributeValue after = item.get(AFTER_TEARDOWN);
        return new Job(
                TableLayout.str(item, TableLayout.INSTANCE_ID),
                TableLayout.str(item, JOB_ID),
                after != null && Boolean.TRUE.equals(after.bool()),
                TableLayout.str(item, TableLayout.GENERATION),
                TableLayout.str(item, TableLayout.PROVIDER),
                TableLayout.str(item, TableLayout.TWILIO_ACCOUNT_SID),
                new CredentialVault.Sealed(
                        bytes(item.get(TableLayout.DATA_KEY)), bytes(item.get(TableLayout.SEALED_CREDENTIALS))),
                Wiring.fromJson(TableLayout.str(item, TableLayout.PROVIDER_WIRING))
                        .objects(),
                calls == null ? List.of() : calls.ss(),
                item.containsKey(CALLS_TO_LIST),
                TableLayout.num(item, TableLayout.CREATED_AT, 0),
                TableLayout.num(item, NEXT_ATTEMPT_AT, 0),
                (int) TableLayout.num(item, ATTEMPTS, 0));
    }

    private static byte[] bytes(AttributeValue v) {
        return v == null || v.b() == null ? new byte[0] : v.b().asByteArray();
    }

    /**
     * One clean-up: for the instance's channel of {@code generation} (after a teardown) or for a
     * re-setup's released objects, the objects to restore and calls to hang up that are left;
     * {@code callsToList}: a teardown's calls are not listed yet.
     * Holds credentials only sealed; {@code toString} names no secret.
     */
    public record Job(
            String instanceId,
            String jobId,
            boolean afterTeardown,
            String generation,
            String provider,
            String twilioAccountSid,
            CredentialVault.Sealed sealed,
            List<Wiring.Wired> restore,
            List<String> calls,
            boolean callsToList,
            long createdAt,
            long nextAttemptAt,
            int attempts) {
        public Job {
            restore = List.copyOf(restore);
            calls = List.copyOf(calls);
        }

        @Override
        public String toString() {
            return "CleanupJob[instance=" + instanceId + ", job=" + jobId + ", restore=" + restore.size() + ", calls="
                    + calls.size() + ", attempts=" + attempts + "]";
        }
    }
}
