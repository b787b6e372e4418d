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

    /**
     * Removes the registration; refuses while a voice channel is configured (tear it down first).
     * Reads the registration first and deletes it on condition that it is unchanged (its
     * {@code write_token}) and has no channel. A delete leaves nothing to carry its identity, so a
     * retry whose first attempt committed (its answer lost) finds the item gone; gone after a
     * delete whose condition named the registration read means that registration was removed —
     * by this call or by a concurrent unregister of the same one — and the answer is
     * {@code UNREGISTERED}, not {@code NOT_REGISTERED}. A registration changed since the read is
     * read again.
     */
    public Unregistration unregister(String instanceId) {
        for (int attempt = 1; ; attempt++) {
            Map<String, AttributeValue> read = item(instanceId);
            if (read == null) {
                return Unregistration.NOT_REGISTERED;
            }
            if (read.containsKey(TableLayout.PROVIDER)) {
                return Unregistration.CHANNEL_CONFIGURED;
            }
            AttributeValue token = read.get(WriteToken.ATTRIBUTE);
            Map<String, String> names = new HashMap<>(Map.of("#p", TableLayout.PROVIDER, "#w", WriteToken.ATTRIBUTE));
            Map<String, AttributeValue> values = token == null ? Map.of() : Map.of(":w", token);
            String unchanged = token == null ? "attribute_not_exists(#w)" : "#w = :w";
            try {
                dynamo.deleteItem(r -> {
                    r.tableName(table)
                            .key(TableLayout.instanceKey(instanceId))
                            .conditionExpression("attribute_exists(pk) AND attribute_not_exists(#p) AND " + unchanged)
                            .expressionAttributeNames(names);
                    if (!values.isEmpty()) {
                        r.expressionAttributeValues(values);
                    }
                });
                return Unregistration.UNREGISTERED;
            } catch (ConditionalCheckFailedException e) {
                Map<String, AttributeValue> now = item(instanceId);
                if (now == null) {
                    return Unregistration.UNREGISTERED;
                }
                if (now.containsKey(TableLayout.PROVIDER)) {
                    return Unregistration.CHANNEL_CONFIGURED;
                }
                // Changed since the read (a channel set up and torn down): decide again on what is stored now.
                Backoff.CONTENTION.pauseOrGiveUp(
                        attempt, new RetryLaterException("the registration kept changing under its removal"));
            }
        }
    }

    private Map<String, AttributeValue> item(String instanceId) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(table)
                        .key(TableLayout.instanceKey(instanceId))
                        .consistentRead(true))
                .item();
        return item == null || item.isEmpty() ? null : item;
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
