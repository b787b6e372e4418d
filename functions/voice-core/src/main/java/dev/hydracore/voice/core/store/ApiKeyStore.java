package dev.hydracore.voice.core.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * API keys, stored only as their HMAC-SHA-256 digest under the server-side pepper. The digest is
 * the lookup key, so authentication is one GetItem.
 */
public final class ApiKeyStore {
    private final DynamoDbClient dynamo;
    private final String table;

    public ApiKeyStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    public record StoredKey(String keyId, String tenantId, String digestHex, long createdAtMillis, Long revokedAtMillis) {
        public boolean revoked() {
            return revokedAtMillis != null;
        }
    }

    public Optional<StoredKey> findByDigest(String digestHex) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table)
                .key(Items.apiKeyKey(digestHex)).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    /** Stores a new key for an existing tenant; false when the tenant does not exist. */
    public boolean create(String keyId, String tenantId, String digestHex, long nowMillis) {
        Map<String, AttributeValue> item = new HashMap<>(Items.apiKeyKey(digestHex));
        item.put(Items.KEY_ID, Items.s(keyId));
        item.put(Items.TENANT_ID, Items.s(tenantId));
        item.put(Items.DIGEST, Items.s(digestHex));
        item.put(Items.CREATED_AT, Items.n(nowMillis));
        item.put(Items.GSI1_PK, Items.s(Items.TENANT_PREFIX + tenantId));
        item.put(Items.GSI1_SK, Items.s(Items.KEY_PREFIX + keyId));
        Map<String, AttributeValue> pointer = new HashMap<>(Items.keyIdKey(keyId));
        pointer.put(Items.DIGEST, Items.s(digestHex));
        pointer.put(Items.TENANT_ID, Items.s(tenantId));
        try {
            dynamo.transactWriteItems(r -> r.transactItems(
                    TransactWriteItem.builder().conditionCheck(ConditionCheck.builder().tableName(table)
                            .key(Items.tenantKey(tenantId)).conditionExpression("attribute_exists(pk)").build()).build(),
                    TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
                            .conditionExpression("attribute_not_exists(pk)").build()).build(),
                    TransactWriteItem.builder().put(Put.builder().tableName(table).item(pointer)
                            .conditionExpression("attribute_not_exists(pk)").build()).build()));
            return true;
        } catch (TransactionCanceledException e) {
            if (!e.cancellationReasons().isEmpty() && "ConditionalCheckFailed".equals(e.cancellationReasons().get(0).code())) {
                return false;
            }
            throw e;
        }
    }

    public List<StoredKey> listForTenant(String tenantId) {
        List<StoredKey> keys = new ArrayList<>();
        Paging.forEachPage(dynamo, QueryRequest.builder().tableName(table).indexName(Items.GSI_BY_TENANT)
                .keyConditionExpression("gsi1pk = :t AND begins_with(gsi1sk, :k)")
                .expressionAttributeValues(Map.of(":t", Items.s(Items.TENANT_PREFIX + tenantId),
                        ":k", Items.s(Items.KEY_PREFIX))), Optional.empty(), page -> page.forEach(i -> keys.add(fromItem(i))));
        keys.sort(Comparator.comparingLong(StoredKey::createdAtMillis).thenComparing(StoredKey::keyId));
        return keys;
    }

    public enum Revocation { REVOKED, ALREADY_REVOKED, NOT_FOUND }

    public Revocation revoke(String keyId, long nowMillis) {
        Map<String, AttributeValue> pointer = dynamo.getItem(r -> r.tableName(table)
                .key(Items.keyIdKey(keyId)).consistentRead(true)).item();
        if (pointer == null || pointer.isEmpty()) {
            return Revocation.NOT_FOUND;
        }
        if (pointer.containsKey(Items.REVOKED_AT)) {
            return Revocation.ALREADY_REVOKED;
        }
        String digest = Items.str(pointer, Items.DIGEST);
        Map<String, AttributeValue> values = Map.of(":now", Items.n(nowMillis));
        try {
            dynamo.transactWriteItems(r -> r.transactItems(
                    TransactWriteItem.builder().update(Update.builder().tableName(table).key(Items.apiKeyKey(digest))
                            .updateExpression("SET revoked_at = :now")
                            .conditionExpression("attribute_exists(pk) AND attribute_not_exists(revoked_at)")
                            .expressionAttributeValues(values).build()).build(),
                    TransactWriteItem.builder().update(Update.builder().tableName(table).key(Items.keyIdKey(keyId))
                            .updateExpression("SET revoked_at = :now")
                            .conditionExpression("attribute_exists(pk) AND attribute_not_exists(revoked_at)")
                            .expressionAttributeValues(values).build()).build()));
            return Revocation.REVOKED;
        } catch (TransactionCanceledException e) {
            return Revocation.ALREADY_REVOKED;
        }
    }

    private static StoredKey fromItem(Map<String, AttributeValue> item) {
        AttributeValue revoked = item.get(Items.REVOKED_AT);
        return new StoredKey(Items.str(item, Items.KEY_ID), Items.str(item, Items.TENANT_ID),
                Items.str(item, Items.DIGEST), Items.num(item, Items.CREATED_AT, 0),
                revoked == null ? null : Long.parseLong(revoked.n()));
    }
}
