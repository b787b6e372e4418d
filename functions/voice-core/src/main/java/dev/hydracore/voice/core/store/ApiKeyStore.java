package dev.hydracore.voice.core.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * API keys, stored only as their HMAC-SHA-256 digest under the server-side pepper. The digest is
 * the hash item's key; a pointer item under the public key id carries the digest too, and is what
 * authentication reads (one GetItem that need not wait for the pepper).
 */
public final class ApiKeyStore {
    private final DynamoDbClient dynamo;
    private final String table;

    public ApiKeyStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /**
     * The key's record by its public key id: its pointer item, which carries the digest, the tenant
     * and the revocation as its hash item does (both are written, and revoked, in one transaction).
     * One consistent GetItem that needs no pepper, so it can overlap the pepper's fetch; the caller
     * compares the digest in constant time.
     */
    public Optional<StoredKey> findByKeyId(String keyId) {
        Map<String, AttributeValue> item = dynamo.getItem(
                        r -> r.tableName(table).key(TableLayout.keyIdKey(keyId)).consistentRead(true))
                .item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        AttributeValue revoked = item.get(TableLayout.REVOKED_AT);
        return Optional.of(new StoredKey(
                keyId,
                TableLayout.str(item, TableLayout.TENANT_ID),
                TableLayout.str(item, TableLayout.DIGEST),
                createdAt(item),
                revoked == null ? null : Long.parseLong(revoked.n())));
    }

    /** Stores a new key for an existing tenant; false when the tenant does not exist. */
    public boolean create(String keyId, String tenantId, String digestHex, long nowMillis) {
        Map<String, AttributeValue> item = new HashMap<>(TableLayout.apiKeyKey(digestHex));
        item.put(TableLayout.KEY_ID, TableLayout.s(keyId));
        item.put(TableLayout.TENANT_ID, TableLayout.s(tenantId));
        item.put(TableLayout.DIGEST, TableLayout.s(digestHex));
        item.put(TableLayout.CREATED_AT, TableLayout.n(nowMillis));
        item.put(TableLayout.GSI1_PK, TableLayout.s(TableLayout.TENANT_PREFIX + tenantId));
        item.put(TableLayout.GSI1_SK, TableLayout.s(TableLayout.KEY_PREFIX + keyId));
        Map<String, AttributeValue> pointer = new HashMap<>(TableLayout.keyIdKey(keyId));
        pointer.put(TableLayout.DIGEST, TableLayout.s(digestHex));
        pointer.put(TableLayout.TENANT_ID, TableLayout.s(tenantId));
        pointer.put(TableLayout.CREATED_AT, TableLayout.n(nowMillis));
        NewItems.Outcome o = NewItems.put(dynamo, table, tenantId, List.of(item, pointer));
        return switch (o.kind()) {
            case WRITTEN -> true;
            case NO_TENANT -> false;
            // 72 random bits of key id and 256 of secret: a collision is a bug, not a retry.
            case EXISTS -> throw new IllegalStateException("an API key with this id or digest already exists");
        };
    }

    public List<StoredKey> listForTenant(String tenantId) {
        List<StoredKey> keys = new ArrayList<>();
        Paging.forEachPage(
                dynamo,
                QueryRequest.builder()
                        .tableName(table)
                        .indexName(TableLayout.GSI_BY_TENANT)
                        .keyConditionExpression("gsi1pk = :t AND begins_with(gsi1sk, :k)")
                        .expressionAttributeValues(Map.of(
                                ":t",
                                TableLayout.s(TableLayout.TENANT_PREFIX + tenantId),
                                ":k",
                                TableLayout.s(TableLayout.KEY_PREFIX))),
                Optional.empty(),
                page -> page.forEach(i -> keys.add(fromItem(i))));
        keys.sort(Comparator.comparingLong(StoredKey::createdAtMillis).thenComparing(StoredKey::keyId));
        return keys;
    }

    public Revocation revoke(String keyId, long nowMillis) {
        Map<String, AttributeValue> pointer = dynamo.getItem(
                        r -> r.tableName(table).key(TableLayout.keyIdKey(keyId)).consistentRead(true))
                .item();
        if (pointer == null || pointer.isEmpty()) {
            return Revocation.NOT_FOUND;
        }
        if (pointer.containsKey(TableLayout.REVOKED_AT)) {
            return Revocation.ALREADY_REVOKED;
        }
        String digest = TableLayout.str(pointer, TableLayout.DIGEST);
        WriteToken token = WriteToken.fresh();
        Map<String, AttributeValue> values =
                Map.of(":now", TableLayout.n(nowMillis), ":token", TableLayout.s(token.value()));
        try {
            dynamo.transactWriteItems(r -> r.clientRequestToken(token.requestToken())
                    .transactItems(
                            TransactWriteItem.builder()
                                    .update(Update.builder()
                                            .tableName(table)
                                            .key(TableLayout.apiKeyKey(digest))
                                            .updateExpression(
                                                    "SET revoked_at = :now, " + WriteToken.ATTRIBUTE + " = :token")
                                            .conditionExpression(
                                                    "attribute_exists(pk) AND attribute_not_exists(revoked_at)")
                                            .expressionAttributeValues(values)
                                            .build())
                                    .build(),
                            TransactWriteItem.builder()
                                    .update(Update.builder()
                                            .tableName(table)
                                            .key(TableLayout.keyIdKey(keyId))
                                            .updateExpression(
                                                    "SET revoked_at = :now, " + WriteToken.ATTRIBUTE + " = :token")
                                            .conditionExpression(
                                                    "attribute_exists(pk) AND attribute_not_exists(revoked_at)")
                                            .expressionAttributeValues(values)
                                            .build())
                                    .build()));
            return Revocation.REVOKED;
        } catch (TransactionCanceledException e) {
            // Only a failed condition means someone revoked it first; throttling or a conflicting
            // transaction left the key working, and saying otherwise would be a lie to the operator.
            if (e.hasCancellationReasons()
                    && e.cancellationReasons().stream().anyMatch(r -> "ConditionalCheckFailed".equals(r.code()))) {
                // Our own first attempt may have committed, its answer lost: then this call revoked it.
                Map<String, AttributeValue> now = dynamo.getItem(r -> r.tableName(table)
                                .key(TableLayout.keyIdKey(keyId))
                                .consistentRead(true))
                        .item();
                return token.wrote(now) ? Revocation.REVOKED : Revocation.ALREADY_REVOKED;
            }
            throw new RevocationFailedException(
                    e.hasCancellationReasons()
                            ? e.cancellationReasons().stream()
                                    .map(r -> String.valueOf(r.code()))
                                    .distinct()
                                    .toList()
                                    .toString()
                            : "[]");
        }
    }

    /** The pointer's created_at; pointers written before it carried one: the hash item's. */
    private long createdAt(Map<String, AttributeValue> pointer) {
        if (pointer.containsKey(TableLayout.CREATED_AT)) {
            return TableLayout.num(pointer, TableLayout.CREATED_AT, 0);
        }
        String digest = TableLayout.str(pointer, TableLayout.DIGEST);
        Map<String, AttributeValue> key = digest == null
                ? null
                : dynamo.getItem(r -> r.tableName(table)
                                .key(TableLayout.apiKeyKey(digest))
                                .consistentRead(true))
                        .item();
        return key == null ? 0 : TableLayout.num(key, TableLayout.CREATED_AT, 0);
    }

    private static StoredKey fromItem(Map<String, AttributeValue> item) {
        AttributeValue revoked = item.get(TableLayout.REVOKED_AT);
        return new StoredKey(
                TableLayout.str(item, TableLayout.KEY_ID),
                TableLayout.str(item, TableLayout.TENANT_ID),
                TableLayout.str(item, TableLayout.DIGEST),
                TableLayout.num(item, TableLayout.CREATED_AT, 0),
                revoked == null ? null : Long.parseLong(revoked.n()));
    }

    public record StoredKey(
            String keyId, String tenantId, String digestHex, long createdAtMillis, Long revokedAtMillis) {
        public boolean revoked() {
            return revokedAtMillis != null;
        }
    }

    public enum Revocation {
        REVOKED,
        ALREADY_REVOKED,
        NOT_FOUND
    }

    /** A revocation DynamoDB cancelled for another reason than its condition: the key is still valid. */
    public static final class RevocationFailedException extends RetryLaterException {
        private final String reasons;

        RevocationFailedException(String reasons) {
            super("revocation cancelled by DynamoDB " + reasons + ": the key was not revoked");
            this.reasons = reasons;
        }

        /** The cancellation reason codes, e.g. [ThrottlingError, None]. */
        public String reasons() {
            return reasons;
        }
    }
}
