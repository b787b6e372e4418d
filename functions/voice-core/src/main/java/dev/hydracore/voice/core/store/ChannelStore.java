package dev.hydracore.voice.core.store;

import dev.hydracore.voice.core.crypto.CredentialVault;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * Writes of the voice channel, which lives on the instance item. Every write is one conditional
 * UpdateItem, so a channel changes all at once or not at all.
 *
 * <p>The channel's {@code generation} is created with the channel and kept across re-setups (so
 * active calls survive them); teardown removes it, and call-record writes are conditional on it,
 * so a webhook racing a teardown cannot leave a record behind.
 *
 * <p>Lost answers: each write stamps the instance item with a fresh {@link WriteToken}. A retry
 * whose first attempt committed (its answer lost) fails its condition — a created channel now has
 * a generation, a removed one has none — and re-reads the item: our own token there is our own
 * write (the save returns what it stored, the removal is done), anything else is a concurrent
 * change.
 */
public final class ChannelStore {
    private static final List<String> CHANNEL_ATTRIBUTES = List.of(
            TableLayout.PROVIDER,
            TableLayout.PHONE_NUMBER,
            TableLayout.WEBHOOK_URL,
            TableLayout.GENERATION,
            TableLayout.ACTIVE_CALLS,
            TableLayout.AGENT_ID,
            TableLayout.TWILIO_ACCOUNT_SID,
            TableLayout.DATA_KEY,
            TableLayout.SEALED_CREDENTIALS,
            TableLayout.CREDENTIAL_NAMES,
            TableLayout.CONFIGURED_AT,
            TableLayout.UPDATED_AT,
            TableLayout.MAX_CONCURRENT_CALLS,
            TableLayout.PROVIDER_WIRING);

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public ChannelStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    /**
     * Creates the channel (when {@code expectedGeneration} is empty: the instance must be registered
     * to the tenant and have no channel) or replaces its configuration (the stored generation must
     * still be the expected one; generation and active_calls are kept). Returns the stored channel.
     */
    public ChannelRecord save(
            String instanceId, String tenantId, ChannelConfig cfg, Optional<String> expectedGeneration) {
        long now = clock.millis();
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        List<String> set = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        put(
                set,
                remove,
                names,
                values,
                TableLayout.PROVIDER,
                cfg.provider() == null ? null : TableLayout.s(cfg.provider()));
        put(
                set,
                remove,
                names,
                values,
                TableLayout.PHONE_NUMBER,
                cfg.phoneNumber() == null ? null : TableLayout.s(cfg.phoneNumber()));
        put(
                set,
                remove,
                names,
                values,
                TableLayout.WEBHOOK_URL,
                cfg.webhookUrl() == null ? null : TableLayout.s(cfg.webhookUrl()));
        put(
                set,
                remove,
                names,
                values,
                TableLayout.AGENT_ID,
                cfg.agentId() == null ? null : TableLayout.s(cfg.agentId()));
        put(
                set,
                remove,
                names,
                values,
                TableLayout.TWILIO_ACCOUNT_SID,
                cfg.twilioAccountSid() == null ? null : TableLayout.s(cfg.twilioAccountSid()));
        put(
                set,
                remove,
                names,
                values,
                TableLayout.CREDENTIAL_NAMES,
                cfg.credentialNames().isEmpty() ? null : AttributeValue.fromSs(List.copyOf(cfg.credentialNames())));
        boolean hasSecrets = cfg.sealed() != null && cfg.sealed().ciphertext().length > 0;
        put(
                set,
                remove,
                names,
                values,
                TableLayout.DATA_KEY,
                hasSecrets
                        ? AttributeValue.fromB(
                                SdkBytes.fromByteArray(cfg.sealed().encryptedDataKey()))
                        : null);
        put(
                set,
                remove,
                names,
                values,
                TableLayout.SEALED_CREDENTIALS,
                hasSecrets
                        ? AttributeValue.fromB(
                                SdkBytes.fromByteArray(cfg.sealed().ciphertext()))
                        : null);
        put(set, remove, names, values, TableLayout.UPDATED_AT, TableLayout.n(now));
        if (cfg.limit().isPresent()) {
            long limit = cfg.limit().getAsLong();
            put(set, remove, names, values, TableLayout.MAX_CONCURRENT_CALLS, limit == 0 ? null : TableLayout.n(limit));
        }
        if (cfg.wiring() != null) {
            put(set, remove, names, values, TableLayout.PROVIDER_WIRING, TableLayout.s(cfg.wiring()));
        }
        names.put("#gen", TableLayout.GENERATION);
        names.put("#tenant", TableLayout.TENANT_ID);
        values.put(":tenant", TableLayout.s(tenantId));
        String condition;
        if (expectedGeneration.isEmpty()) {
            // Only named when used: DynamoDB refuses unused expression attribute names.
            names.put("#calls", TableLayout.ACTIVE_CALLS);
            names.put("#configured", TableLayout.CONFIGURED_AT);
            set.add("#gen = :newgen");
            set.add("#calls = :zero");
            set.add("#configured = :now");
            values.put(":newgen", TableLayout.s(UUID.randomUUID().toString()));
            values.put(":zero", TableLayout.n(0));
            values.put(":now", TableLayout.n(now));
            condition = "attribute_exists(pk) AND #tenant = :tenant AND attribute_not_exists(#gen)";
        } else {
            values.put(":expected", TableLayout.s(expectedGeneration.get()));
            condition = "attribute_exists(pk) AND #tenant = :tenant AND #gen = :expected";
        }
        WriteToken token = WriteToken.fresh();
        names.put("#token", WriteToken.ATTRIBUTE);
        values.put(":token", TableLayout.s(token.value()));
        set.add("#token = :token");
        String update =
                "SET " + String.join(", ", set) + (remove.isEmpty() ? "" : " REMOVE " + String.join(", ", remove));
        try {
            Map<String, AttributeValue> item = dynamo.updateItem(r -> r.tableName(table)
                            .key(TableLayout.instanceKey(instanceId))
                            .updateExpression(update)
                            .conditionExpression(condition)
                            .expressionAttributeNames(names)
                            .expressionAttributeValues(values)
                            .returnValues(ReturnValue.ALL_NEW))
                    .attributes();
            return ChannelRecord.fromItem(item).orElseThrow();
        } catch (ConditionalCheckFailedException e) {
            Map<String, AttributeValue> stored = stored(instanceId);
            if (token.wrote(stored)) {
                // Our save committed and its answer was lost: the retry met our own write.
                return ChannelRecord.fromItem(stored).orElseThrow();
            }
            throw new ConcurrentChangeException();
        }
    }

    /**
     * Removes the channel — configuration, ciphertexts, counter and generation — from the instance
     * item, if its generation is still the expected one. The registration stays. Call records are
     * the caller's to delete afterwards (no new one can be written once the generation is gone).
     */
    public void remove(String instanceId, String expectedGeneration) {
        WriteToken token = WriteToken.fresh();
        Removal r = removal(instanceId, expectedGeneration, token);
        try {
            dynamo.updateItem(u -> u.tableName(table)
                    .key(TableLayout.instanceKey(instanceId))
                    .updateExpression(r.expression())
                    .conditionExpression(r.condition())
                    .expressionAttributeNames(r.names())
                    .expressionAttributeValues(r.values()));
        } catch (ConditionalCheckFailedException e) {
            if (token.wrote(stored(instanceId))) {
                return; // our removal committed and its answer was lost: the retry met our own write
            }
            throw new ConcurrentChangeException();
        }
    }

    /**
     * Replaces the channel's stored provider wiring by {@code wiring} (provider.Wiring's JSON), if
     * the channel is still of {@code generation} and its wiring still exactly {@code read}: one
     * conditional UpdateItem. False when either changed since (a re-setup or a teardown came
     * first: the caller decides again on what is stored then); a retry whose first attempt
     * committed (its answer lost) finds its own token there and is true.
     */
    public boolean replaceWiring(String instanceId, String generation, String read, String wiring) {
        WriteToken token = WriteToken.fresh();
        Map<String, String> names = Map.of(
                "#gen", TableLayout.GENERATION, "#wiring", TableLayout.PROVIDER_WIRING, "#token", WriteToken.ATTRIBUTE);
        Map<String, AttributeValue> values = new HashMap<>(Map.of(
                ":gen",
                TableLayout.s(generation),
                ":wiring",
                TableLayout.s(wiring),
                ":token",
                TableLayout.s(token.value())));
        String condition;
        if (read == null || read.isEmpty()) {
            condition = "attribute_exists(pk) AND #gen = :gen AND attribute_not_exists(#wiring)";
        } else {
            values.put(":read", TableLayout.s(read));
            condition = "attribute_exists(pk) AND #gen = :gen AND #wiring = :read";
        }
        try {
            dynamo.updateItem(u -> u.tableName(table)
                    .key(TableLayout.instanceKey(instanceId))
                    .updateExpression("SET #wiring = :wiring, #token = :token")
                    .conditionExpression(condition)
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return token.wrote(stored(instanceId));
        }
    }

    /** The instance item as stored now (strongly consistent), or null when there is none. */
    private Map<String, AttributeValue> stored(String instanceId) {
        Map<String, AttributeValue> item = dynamo.getItem(g -> g.tableName(table)
                        .key(TableLayout.instanceKey(instanceId))
                        .consistentRead(true))
                .item();
        return item == null || item.isEmpty() ? null : item;
    }

    private static Removal removal(String instanceId, String expectedGeneration, WriteToken token) {
        Map<String, String> names = new HashMap<>();
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < CHANNEL_ATTRIBUTES.size(); i++) {
            names.put("#a" + i, CHANNEL_ATTRIBUTES.get(i));
            parts.add("#a" + i);
        }
        names.put("#gen", TableLayout.GENERATION);
        names.put("#token", WriteToken.ATTRIBUTE);
        return new Removal(
                "SET #token = :token REMOVE " + String.join(", ", parts),
                "attribute_exists(pk) AND #gen = :expected",
                names,
                Map.of(":expected", TableLayout.s(expectedGeneration), ":token", TableLayout.s(token.value())));
    }

    private static void put(
            List<String> set,
            List<String> remove,
            Map<String, String> names,
            Map<String, AttributeValue> values,
            String attribute,
            AttributeValue value) {
        String n = "#" + attribute;
        names.put(n, attribute);
        if (value == null) {
            remove.add(n);
        } else {
            set.add(n + " = :" + attribute);
            values.put(":" + attribute, value);
        }
    }

    /**
     * What setup decided to store. Null fields are removed from the item. {@code limit}: empty keeps
     * the stored {@code max_concurrent_calls}, 0 removes it, otherwise it is set. {@code wiring}
     * (provider.Wiring's JSON): null keeps the stored one.
     */
    public record ChannelConfig(
            String provider,
            String phoneNumber,
            String webhookUrl,
            String agentId,
            String twilioAccountSid,
            Set<String> credentialNames,
            CredentialVault.Sealed sealed,
            OptionalLong limit,
            String wiring) {
        /** A configuration that leaves the stored wiring as it is. */
        public ChannelConfig(
                String provider,
                String phoneNumber,
                String webhookUrl,
                String agentId,
                String twilioAccountSid,
                Set<String> credentialNames,
                CredentialVault.Sealed sealed,
                OptionalLong limit) {
            this(provider, phoneNumber, webhookUrl, agentId, twilioAccountSid, credentialNames, sealed, limit, null);
        }

        /** A configuration that leaves the call limit as it is. */
        public ChannelConfig(
                String provider,
                String phoneNumber,
                String webhookUrl,
                String agentId,
                String twilioAccountSid,
                Set<String> credentialNames,
                CredentialVault.Sealed sealed) {
            this(
                    provider,
                    phoneNumber,
                    webhookUrl,
                    agentId,
                    twilioAccountSid,
                    credentialNames,
                    sealed,
                    OptionalLong.empty());
        }
    }

    /** The channel changed (or appeared, or vanished) since it was read: re-read and decide again. */
    public static final class ConcurrentChangeException extends RuntimeException {
        public ConcurrentChangeException() {
            super("the voice channel changed concurrently", null, false, false);
        }
    }

    private record Removal(
            String expression, String condition, Map<String, String> names, Map<String, AttributeValue> values) {}
}
