package dev.hydracore.voice.core.store;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
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

    public Tenant create(String tenantId, String name) {
        long now = clock.millis();
        Map<String, AttributeValue> item = new HashMap<>(TableLayout.tenantKey(tenantId));
        item.put(TableLayout.TENANT_ID, TableLayout.s(tenantId));
        item.put(TableLayout.NAME, TableLayout.s(name));
        item.put(TableLayout.CREATED_AT, TableLayout.n(now));
        if (NewItems.put(dynamo, table, null, List.of(item)).kind() != NewItems.Kind.WRITTEN) {
            throw new IllegalStateException("a tenant with this id already exists");
        }
        return new Tenant(tenantId, name, now);
    }

    public Optional<Tenant> find(String tenantId) {
        Map<String, AttributeValue> item = dynamo.getItem(r ->
                        r.tableName(table).key(TableLayout.tenantKey(tenantId)).consistentRead(true))
                .item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Tenant(
                tenantId, TableLayout.str(item, TableLayout.NAME), TableLayout.num(item, TableLayout.CREATED_AT, 0)));
    }

    public record Tenant(String tenantId, String name, long createdAtMillis) {}
}
