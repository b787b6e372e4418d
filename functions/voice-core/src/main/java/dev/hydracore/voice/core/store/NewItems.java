package dev.hydracore.voice.core.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * The stores' one "create" write: items put only if absent, optionally only while their tenant
 * exists, as one transaction (or one conditional PutItem for a lone item without a tenant check).
 * Each write carries a {@link WriteToken}; when a condition fails, the item is re-read, and one
 * carrying our token is our own earlier attempt (its answer lost): {@link Kind#WRITTEN}.
 */
final class NewItems {
    private static final String CONDITIONAL_CHECK_FAILED = "ConditionalCheckFailed";

    private NewItems() {}

    /** Puts every item if none exists yet, while {@code tenantId}'s tenant item exists (null: no check). */
    static Outcome put(DynamoDbClient dynamo, String table, String tenantId, List<Map<String, AttributeValue>> items) {
        WriteToken token = WriteToken.fresh();
        List<Map<String, AttributeValue>> stamped =
                items.stream().map(token::on).toList();
        if (tenantId == null && stamped.size() == 1) {
            try {
                dynamo.putItem(
                        p -> p.tableName(table).item(stamped.get(0)).conditionExpression("attribute_not_exists(pk)"));
                return Outcome.WRITTEN;
            } catch (ConditionalCheckFailedException e) {
                return existing(dynamo, table, token, stamped.get(0));
            }
        }
        List<TransactWriteItem> writes = new ArrayList<>(stamped.size() + 1);
        if (tenantId != null) {
            writes.add(TransactWriteItem.builder()
                    .conditionCheck(ConditionCheck.builder()
                            .tableName(table)
                            .key(TableLayout.tenantKey(tenantId))
                            .conditionExpression("attribute_exists(pk)")
                            .build())
                    .build());
        }
        for (Map<String, AttributeValue> item : stamped) {
            writes.add(TransactWriteItem.builder()
                    .put(Put.builder()
                            .tableName(table)
                            .item(item)
                            .conditionExpression("attribute_not_exists(pk)")
                            .build())
                    .build());
        }
        try {
            dynamo.transactWriteItems(r -> r.transactItems(writes).clientRequestToken(token.requestToken()));
            return Outcome.WRITTEN;
        } catch (TransactionCanceledException e) {
            List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
            int offset = tenantId == null ? 0 : 1;
            if (offset == 1 && failed(reasons, 0)) {
                return Outcome.NO_TENANT;
            }
            for (int i = 0; i < stamped.size(); i++) {
                if (failed(reasons, i + offset)) {
                    return existing(dynamo, table, token, stamped.get(i));
                }
            }
            throw e; // a conflict or throttle DynamoDB cancelled it for: nothing written, the caller's 503 or exit 1
        }
    }

    private static boolean failed(List<CancellationReason> reasons, int i) {
        return reasons.size() > i
                && CONDITIONAL_CHECK_FAILED.equals(reasons.get(i).code());
    }

    private static Outcome existing(
            DynamoDbClient dynamo, String table, WriteToken token, Map<String, AttributeValue> item) {
        Map<String, AttributeValue> key =
                Map.of(TableLayout.PK, item.get(TableLayout.PK), TableLayout.SK, item.get(TableLayout.SK));
        Map<String, AttributeValue> stored = dynamo.getItem(
                        g -> g.tableName(table).key(key).consistentRead(true))
                .item();
        if (token.wrote(stored)) {
            return Outcome.WRITTEN;
        }
        return new Outcome(Kind.EXISTS, Optional.ofNullable(stored).filter(s -> !s.isEmpty()));
    }

    enum Kind {
        WRITTEN,
        NO_TENANT,
        EXISTS
    }

    /** @param existing the item already there, for {@link Kind#EXISTS} (empty if it vanished since) */
    record Outcome(Kind kind, Optional<Map<String, AttributeValue>> existing) {
        static final Outcome WRITTEN = new Outcome(Kind.WRITTEN, Optional.empty());
        static final Outcome NO_TENANT = new Outcome(Kind.NO_TENANT, Optional.empty());
    }
}
