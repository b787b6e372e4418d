package dev.hydracore.voice.core.store;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Tenants: the owners of API keys and instances. */
public final class TenantStore {
    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public TenantStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    public record Tenant(String tenantId, String name, long createdAtMillis) {}

    public Tenant create(String tenantId, String name) {
        long now = clock.millis();
        Map<String, AttributeValue> item = new HashMap<>(Items.tenantKey(tenantId));
        item.put(Items.TENANT_ID, Items.s(tenantId));
        item.put(Items.NAME, Items.s(name));
        item.put(Items.CREATED_AT, Items.n(now));
        dynamo.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
        return new Tenant(tenantId, name, now);
    }

    public Optional<Tenant> find(String tenantId) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table)
                .key(Items.tenantKey(tenantId)).consistentRead(true)).item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Tenant(tenantId, Items.str(item, Items.NAME), Items.num(item, Items.CREATED_AT, 0)));
    }
}
