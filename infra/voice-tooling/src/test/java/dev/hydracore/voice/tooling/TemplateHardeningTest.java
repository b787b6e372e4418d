package dev.hydracore.voice.tooling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.store.TableLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What template.yaml promises beyond the linters: the webhook route has a throttle of its own,
 * KMS is used only with the instance_id encryption context, each Query permission names an index
 * the table declares (never index/*), the table cannot be deleted by accident, and the sweeper is
 * invoked once per schedule tick with nowhere to retry.
 */
class TemplateHardeningTest {
    private static final CfnTemplate TEMPLATE = CfnTemplate.load(ProjectPaths.template());

    private static List<JsonNode> statements(JsonNode function) {
        List<JsonNode> out = new ArrayList<>();
        function.path("Properties")
                .path("Policies")
                .forEach(p -> p.path("Statement").forEach(out::add));
        return out;
    }

    private static List<String> texts(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.isTextual() ? n.asText() : n.toString()));
        } else if (!node.isMissingNode()) {
            out.add(node.isTextual() ? node.asText() : node.toString());
        }
        return out;
    }

    @Test
    void theWebhookRouteIsThrottledOnItsOwnAboveTheManagementDefault() {
        JsonNode api = TEMPLATE.resource("VoiceApi").path("Properties");
        JsonNode defaults = api.path("DefaultRouteSettings");
        Set<String> routeKeys = new HashSet<>();
        TEMPLATE.resources("AWS::Serverless::Function")
                .forEach((id, fn) -> fn.path("Properties").path("Events").forEach(e -> {
                    if (e.path("Type").asText().equals("HttpApi")) {
                        routeKeys.add(
                                e.path("Properties").path("Method").asText().toUpperCase(Locale.ROOT) + " "
                                        + e.path("Properties").path("Path").asText());
                    }
                }));
        JsonNode routes = api.path("RouteSettings");
        assertEquals(List.of("POST /v1/webhooks/voice/{instance_id}"), names(routes.fieldNames()));
        routes.properties().forEach(r -> {
            assertTrue(routeKeys.contains(r.getKey()), r.getKey() + " is a route of the template: " + routeKeys);
            assertTrue(
                    r.getValue().path("ThrottlingRateLimit").asInt()
                            > defaults.path("ThrottlingRateLimit").asInt(),
                    r.getKey());
            assertTrue(
                    r.getValue().path("ThrottlingBurstLimit").asInt()
                            > defaults.path("ThrottlingBurstLimit").asInt(),
                    r.getKey());
        });
    }

    @Test
    void kmsIsUsedOnlyWithTheInstanceIdEncryptionContext() {
        int kmsStatements = 0;
        for (var e : TEMPLATE.resources("AWS::Serverless::Function").entrySet()) {
            for (JsonNode s : statements(e.getValue())) {
                if (texts(s.path("Action")).stream().noneMatch(a -> a.startsWith("kms:"))) {
                    continue;
                }
                kmsStatements++;
                JsonNode c = s.path("Condition");
                assertEquals(
                        List.of("instance_id"),
                        texts(c.path("ForAllValues:StringEquals").path("kms:EncryptionContextKeys")),
                        e.getKey() + ": no encryption-context key but instance_id");
                assertEquals(
                        "false",
                        c.path("Null").path("kms:EncryptionContext:instance_id").asText(),
                        e.getKey() + ": instance_id must be present (ForAllValues alone allows an empty context)");
            }
        }
        assertEquals(
                4,
                kmsStatements,
                "setup (GenerateDataKey, Decrypt), webhook, end call and the sweeper's provider clean-up (Decrypt)");
    }

    @Test
    void eachQueryPermissionNamesAnIndexTheTableDeclares() {
        JsonNode table = TEMPLATE.resource("VoiceTable").path("Properties");
        Set<String> indexes = new HashSet<>();
        table.path("GlobalSecondaryIndexes")
                .forEach(i -> indexes.add(i.path("IndexName").asText()));
        table.path("LocalSecondaryIndexes")
                .forEach(i -> indexes.add(i.path("IndexName").asText()));
        assertTrue(
                indexes.containsAll(List.of(TableLayout.LSI_ACTIVE, TableLayout.GSI_SWEEP, TableLayout.GSI_BY_TENANT)),
                indexes.toString());
        Set<String> granted = new HashSet<>();
        TEMPLATE.resources("AWS::Serverless::Function")
                .forEach((id, fn) -> statements(fn).forEach(s -> {
                    if (!texts(s.path("Action")).contains("dynamodb:Query")) {
                        return;
                    }
                    for (String resource : texts(s.path("Resource"))) {
                        assertFalse(resource.contains("index/*"), id + " may query every index: " + resource);
                        if (resource.contains("/index/")) {
                            String index = resource.substring(resource.indexOf("/index/") + "/index/".length())
                                    .replaceAll("\\W+$", "");
                            assertTrue(
                                    indexes.contains(index),
                                    id + " queries an index the table does not declare: " + index);
                            granted.add(id + ":" + index);
                        }
                    }
                }));
        assertEquals(
                Set.of(
                        "VoiceCallsFunction:" + TableLayout.LSI_ACTIVE,
                        "VoiceSweeperFunction:" + TableLayout.GSI_SWEEP,
                        "VoiceSweeperFunction:" + TableLayout.LSI_ACTIVE),
                granted);
    }

    @Test
    void theTableIsProtectedAndTheSweeperRunsOncePerTick() {
        assertTrue(TEMPLATE.resource("VoiceTable")
                .path("Properties")
                .path("DeletionProtectionEnabled")
                .asBoolean(false));
        assertEquals(
                "Active",
                TEMPLATE.root().path("Globals").path("Function").path("Tracing").asText());
        JsonNode sweeper = TEMPLATE.resource("VoiceSweeperFunction").path("Properties");
        JsonNode invoke = sweeper.path("EventInvokeConfig");
        assertEquals(0, invoke.path("MaximumRetryAttempts").asInt(-1));
        assertTrue(
                invoke.path("MaximumEventAgeInSeconds").asInt() <= 60, "an undelivered run is older than the next one");
        assertEquals(
                "SQS",
                invoke.path("DestinationConfig").path("OnFailure").path("Type").asText());
        int reserved = sweeper.path("ReservedConcurrentExecutions").asInt();
        assertTrue(reserved >= 1 && reserved <= 2, "small reserved concurrency: " + reserved);
    }

    private static List<String> names(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
