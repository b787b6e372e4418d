package dev.hydracore.voice.testkit;

import dev.hydracore.voice.core.crypto.CredentialVault;
import dev.hydracore.voice.core.store.ChannelRecord;
import dev.hydracore.voice.core.store.ChannelStore;
import dev.hydracore.voice.core.store.TableLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Voice channels for tests, configured and torn down the way the Setup and Teardown routes do it
 * (credentials sealed by {@link CredentialVault}, the channel saved by {@link ChannelStore}), so
 * webhook, list and sweeper tests don't depend on those routes' handlers.
 */
public final class TestChannels {
    public static final String RETELL_PHONE = "+14155550100";

    private final TestAws aws;
    private final CredentialVault vault;
    private final ChannelStore channels;

    public TestChannels(TestAws aws) {
        this.aws = aws;
        this.vault = aws.services().vault();
        this.channels = aws.services().channels();
    }

    public Channel retell(TestAws.TestCaller caller, String instanceId, String apiKey) {
        return retell(caller, instanceId, apiKey, OptionalLong.empty());
    }

    /** {@code limit}: the channel's max_concurrent_calls (empty: none). */
    public Channel retell(TestAws.TestCaller caller, String instanceId, String apiKey, OptionalLong limit) {
        return save(caller, instanceId, "retell", RETELL_PHONE, null, Map.of("api_key", apiKey), limit);
    }

    public Channel pipecat(TestAws.TestCaller caller, String instanceId, String twilioAuthToken, String webhookSecret) {
        return pipecat(caller, instanceId, twilioAuthToken, webhookSecret, OptionalLong.empty());
    }

    public Channel pipecat(
            TestAws.TestCaller caller,
            String instanceId,
            String twilioAuthToken,
            String webhookSecret,
            OptionalLong limit) {
        return save(
                caller,
                instanceId,
                "pipecat",
                "+14155550199",
                "AC" + "0123456789abcdef".repeat(2),
                Map.of(
                        "twilio_auth_token",
                        twilioAuthToken,
                        "webhook_secret",
                        webhookSecret,
                        "openai_api_key",
                        "sk-test-openai"),
                limit);
    }

    private Channel save(
            TestAws.TestCaller caller,
            String instanceId,
            String provider,
            String phone,
            String accountSid,
            Map<String, String> credentials,
            OptionalLong limit) {
        String url = aws.settings().webhookUrl(instanceId);
        CredentialVault.Sealed sealed = vault.seal(instanceId, credentials);
        ChannelRecord saved = channels.save(
                instanceId,
                caller.tenantId(),
                new ChannelStore.ChannelConfig(
                        provider,
                        phone,
                        url,
                        provider.equals("retell") ? "agent_test" : null,
                        accountSid,
                        new TreeSet<>(credentials.keySet()),
                        sealed,
                        limit),
                Optional.empty());
        return new Channel(instanceId, caller.tenantId(), saved.generation(), url, credentials);
    }

    /**
     * Teardown as the route does it: the channel (and its generation) first, so no webhook can write
     * for it any more, then every call item of that generation (records and turn markers, all pages).
     * TableLayout of a newer generation — a re-setup racing the deletes — are left alone. Returns how many
     * items were deleted.
     */
    public int teardown(String instanceId, String generation) {
        channels.remove(instanceId, generation);
        return deleteCallItems(instanceId, generation);
    }

    public int deleteCallItems(String instanceId, String generation) {
        String table = aws.resources().tableName();
        List<Map<String, AttributeValue>> keys = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = aws.dynamo()
                    .query(q -> q.tableName(table)
                            .consistentRead(true)
                            .keyConditionExpression("pk = :pk AND begins_with(sk, :call)")
                            .expressionAttributeValues(Map.of(
                                    ":pk",
                                    TableLayout.s(TableLayout.INSTANCE_PREFIX + instanceId),
                                    ":call",
                                    TableLayout.s(TableLayout.CALL_PREFIX)))
                            .exclusiveStartKey(from));
            page.items()
                    .forEach(i -> keys.add(
                            Map.of(TableLayout.PK, i.get(TableLayout.PK), TableLayout.SK, i.get(TableLayout.SK))));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        int deleted = 0;
        for (Map<String, AttributeValue> key : keys) {
            try {
                aws.dynamo()
                        .deleteItem(d -> d.tableName(table)
                                .key(key)
                                .conditionExpression("#g = :g")
                                .expressionAttributeNames(Map.of("#g", TableLayout.GENERATION))
                                .expressionAttributeValues(Map.of(":g", TableLayout.s(generation))));
                deleted++;
            } catch (ConditionalCheckFailedException e) {
                // Rewritten under a newer generation meanwhile: not ours to delete.
            }
        }
        return deleted;
    }

    /** A configured channel: what tests sign with. Never printed with its secrets. */
    public record Channel(
            String instanceId, String tenantId, String generation, String webhookUrl, Map<String, String> credentials) {
        public String secret(String name) {
            return credentials.get(name);
        }

        @Override
        public String toString() {
            return "Channel[" + instanceId + ", generation=" + generation + "]";
        }
    }
}
