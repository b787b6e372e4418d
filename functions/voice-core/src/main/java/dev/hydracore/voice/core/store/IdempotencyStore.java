package dev.hydracore.voice.core.store;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Idempotency records of Setup, after Powertools' DynamoDBPersistenceStore: one item per hashed
 * key, put {@code IN_PROGRESS} by a conditional write (only when absent, expired, or left behind
 * by a request whose lease ran out), then updated to {@code COMPLETED} with the answer, or
 * deleted when the request failed. Reads are strongly consistent and ignore expired items
 * (DynamoDB's TTL deletes lazily, emulators maybe never).
 */
public final class IdempotencyStore {
    public static final String IN_PROGRESS = "IN_PROGRESS";
    public static final String COMPLETED = "COMPLETED";
    static final String STATUS = "idempotency_status";
    static final String FINGERPRINT = "fingerprint";
    static final String TOKEN = "token";
    static final String LEASE_UNTIL = "lease_until";
    static final String RESPONSE_STATUS = "response_status";
    static final String RESPONSE_BODY = "response_body";

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public IdempotencyStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    /** The live record of the key, if any: expired records and abandoned leases read as absent. */
    public Optional<Entry> find(String keyDigest) {
        Map<String, AttributeValue> item = dynamo.getItem(g -> g.tableName(table)
                        .key(TableLayout.idempotencyKey(keyDigest))
                        .consistentRead(true))
                .item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        long now = clock.millis();
        String status = TableLayout.str(item, STATUS);
        if (TableLayout.num(item, TableLayout.EXPIRES_AT, 0) * 1000 <= now
                || IN_PROGRESS.equals(status) && TableLayout.num(item, LEASE_UNTIL, 0) <= now) {
            return Optional.empty();
        }
        AttributeValue code = item.get(RESPONSE_STATUS);
        return Optional.of(new Entry(
                status,
                TableLayout.str(item, FINGERPRINT),
                code == null ? Optional.empty() : Optional.of(Integer.parseInt(code.n())),
                Optional.ofNullable(TableLayout.str(item, RESPONSE_BODY))));
    }

    /**
     * Claims the key for a first request: true when this call wrote the IN_PROGRESS record, false
     * when a live record is there (another request holds or completed the key). The request's
     * {@code token} is its write's identity: a retried claim that finds its own token (the first
     * attempt committed, its answer lost) is this request's claim.
     */
    public boolean begin(String keyDigest, String fingerprint, String token, Duration retention, Duration lease) {
        long now = clock.millis();
        Map<String, AttributeValue> item = new HashMap<>(TableLayout.idempotencyKey(keyDigest));
        item.put(STATUS, TableLayout.s(IN_PROGRESS));
        item.put(FINGERPRINT, TableLayout.s(fingerprint));
        item.put(TOKEN, TableLayout.s(token));
        item.put(LEASE_UNTIL, TableLayout.n(now + lease.toMillis()));
        item.put(TableLayout.EXPIRES_AT, TableLayout.n((now + retention.toMillis()) / 1000));
        try {
            dynamo.putItem(p -> p.tableName(table)
                    .item(item)
                    .conditionExpression(
                            "attribute_not_exists(pk) OR #exp <= :nowSeconds OR (#st = :inProgress AND #lease <= :now)")
                    .expressionAttributeNames(
                            Map.of("#exp", TableLayout.EXPIRES_AT, "#st", STATUS, "#lease", LEASE_UNTIL))
                    .expressionAttributeValues(Map.of(
                            ":nowSeconds",
                            TableLayout.n(now / 1000),
                            ":inProgress",
                            TableLayout.s(IN_PROGRESS),
                            ":now",
                            TableLayout.n(now))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            // The claim's first attempt may have committed and lost its answer: then the key is ours.
            return ownClaim(keyDigest, token);
        }
    }

    private boolean ownClaim(String keyDigest, String token) {
        Map<String, AttributeValue> item = dynamo.getItem(g -> g.tableName(table)
                        .key(TableLayout.idempotencyKey(keyDigest))
                        .consistentRead(true))
                .item();
        return item != null && token.equals(TableLayout.str(item, TOKEN));
    }

    /** Stores the answer to replay, if the record is still this request's. */
    public void complete(String keyDigest, String token, int status, String body) {
        try {
            dynamo.updateItem(u -> u.tableName(table)
                    .key(TableLayout.idempotencyKey(keyDigest))
                    .updateExpression("SET #st = :completed, #code = :code, #body = :body REMOVE #lease")
                    .conditionExpression("#token = :token")
                    .expressionAttributeNames(Map.of(
                            "#st",
                            STATUS,
                            "#code",
                            RESPONSE_STATUS,
                            "#body",
                            RESPONSE_BODY,
                            "#lease",
                            LEASE_UNTIL,
                            "#token",
                            TOKEN))
                    .expressionAttributeValues(Map.of(
                            ":completed",
                            TableLayout.s(COMPLETED),
                            ":code",
                            TableLayout.n(status),
                            ":body",
                            TableLayout.s(body),
                            ":token",
                            TableLayout.s(token))));
        } catch (ConditionalCheckFailedException e) {
            // The lease ran out and another request took the key over: its answer is the one kept.
        }
    }

    /** Frees the key after a failed request, if the record is still this request's. */
    public void release(String keyDigest, String token) {
        try {
            dynamo.deleteItem(d -> d.tableName(table)
                    .key(TableLayout.idempotencyKey(keyDigest))
                    .conditionExpression("#token = :token")
                    .expressionAttributeNames(Map.of("#token", TOKEN))
                    .expressionAttributeValues(Map.of(":token", TableLayout.s(token))));
        } catch (ConditionalCheckFailedException e) {
            // Not ours any more: nothing to free.
        }
    }

    /** A live record: a request in progress (its answer empty) or completed. */
    public record Entry(
            String status, String fingerprint, Optional<Integer> responseStatus, Optional<String> responseBody) {
        public boolean completed() {
            return COMPLETED.equals(status);
        }
    }
}
