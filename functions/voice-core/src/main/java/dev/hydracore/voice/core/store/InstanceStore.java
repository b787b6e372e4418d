package dev.hydracore.voice.core.store;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/** Instance registrations (and the channel that lives on the same item). */
public final class InstanceStore {
    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public InstanceStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    /** One strongly consistent read of the instance item. */
    public Optional<InstanceRecord> find(String instanceId) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table)
                        .key(TableLayout.instanceKey(instanceId))
                        .consistentRead(true))
                .item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(InstanceRecord.fromItem(item));
    }

    /** Registers the instance to the tenant; idempotent for the same tenant. */
    public Registration register(String instanceId, String tenantId) {
        Map<String, AttributeValue> item = new HashMap<>(TableLayout.instanceKey(instanceId));
        item.put(TableLayout.INSTANCE_ID, TableLayout.s(instanceId));
        item.put(TableLayout.TENANT_ID, TableLayout.s(tenantId));
        item.put(TableLayout.REGISTERED_AT, TableLayout.n(clock.millis()));
        item.put(TableLayout.GSI1_PK, TableLayout.s(TableLayout.TENANT_PREFIX + tenantId));
        item.put(TableLayout.GSI1_SK, TableLayout.s(TableLayout.INSTANCE_PREFIX + instanceId));
        item.put(TableLayout.ACTIVE_SINCE, TableLayout.n(TableLayout.INSTANCE_ACTIVE_SINCE));
        NewItems.Outcome o = NewItems.put(dynamo, table, tenantId, List.of(item));
        return switch (o.kind()) {
            case WRITTEN -> Registration.REGISTERED;
            case NO_TENANT -> Registration.NO_SUCH_TENANT;
            case EXISTS ->
                o.existing()
                        .map(InstanceRecord::fromItem)
                        .map(i -> tenantId.equals(i.tenantId())
                                ? Registration.ALREADY_REGISTERED
                                : Registration.OWNED_BY_OTHER_TENANT)
                        .orElse(Registration.REGISTERED);
        };
    }

    /** Removes the registration; refuses while a voice channel is configured (tear it down first). */
    public Unregistration unregister(String instanceId) {
        try {
            dynamo.deleteItem(r -> r.tableName(table)
                    .key(TableLayout.instanceKey(instanceId))
                    .conditionExpression("attribute_exists(pk) AND attribute_not_exists(#p)")
                    .expressionAttributeNames(Map.of("#p", TableLayout.PROVIDER)));
            return Unregistration.UNREGISTERED;
        } catch (ConditionalCheckFailedException e) {
            return find(instanceId).isPresent() ? Unregistration.CHANNEL_CONFIGURED : Unregistration.NOT_REGISTERED;
        }
    }

    public enum Registration {
        REGISTERED,
        ALREADY_REGISTERED,
        OWNED_BY_OTHER_TENANT,
        NO_SUCH_TENANT
    }

    public enum Unregistration {
        UNREGISTERED,
        NOT_REGISTERED,
        CHANNEL_CONFIGURED
    }
}
