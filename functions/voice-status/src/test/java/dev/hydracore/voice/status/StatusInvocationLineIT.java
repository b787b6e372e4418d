package dev.hydracore.voice.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Metrics;
import dev.hydracore.voice.testkit.LogLines;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestContext;
import dev.hydracore.voice.tooling.ApiEvents;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Voice Status through the Lambda entry point: one access line per request, with the tenant, and never the key. */
class StatusInvocationLineIT {
    static final String ROUTE = "GET /v1/instances/{instance_id}/channels/voice";

    static int invoke(VoiceStatusHandler handler, ObjectNode event, String requestId) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(
                new ByteArrayInputStream(Json.MAPPER.writeValueAsBytes(event)),
                out,
                new TestContext(requestId, "stack-status", "Root=1-674c5a1e-abcdefabcdefabcdefabcdef;Sampled=0"));
        return Json.MAPPER.readTree(out.toByteArray()).path("statusCode").asInt();
    }

    /** The same key with its last character changed: well-formed, and no store holds it. */
    static String otherKey(String key) {
        char last = key.charAt(key.length() - 1);
        return key.substring(0, key.length() - 1) + (last == 'A' ? 'B' : 'A');
    }

    @Test
    void eachRequestIsOneAccessLineNamingTheTenantNeverTheKey() throws Exception {
        TestAws aws = TestAws.shared();
        TestAws.TestCaller caller = aws.newCaller();
        String instance = aws.registerInstance(caller);
        VoiceStatusHandler handler = new VoiceStatusHandler(aws.services());
        ObjectNode ok = ApiEvents.of(
                "GET",
                "/v1/instances/" + instance + "/channels/voice",
                ROUTE,
                Map.of("instance_id", instance),
                caller.bearer(),
                null);
        ObjectNode wrongKey = ApiEvents.of(
                "GET",
                "/v1/instances/" + instance + "/channels/voice",
                ROUTE,
                Map.of("instance_id", instance),
                Map.of("x-api-key", otherKey(caller.apiKey())),
                null);
        ObjectNode badId = ApiEvents.of(
                "GET",
                "/v1/instances/not-a-uuid/channels/voice",
                ROUTE,
                Map.of("instance_id", "not-a-uuid"),
                caller.bearer(),
                null);

        LogLines logs = LogLines.capture(() -> {
                    assertEquals(200, invoke(handler, ok, "q-1"));
                    assertEquals(200, invoke(handler, ok, "q-2"));
                    assertEquals(401, invoke(handler, wrongKey, "q-3"));
                    assertEquals(422, invoke(handler, badId, "q-4"));
                    return null;
                })
                .logs();
        List<JsonNode> lines = logs.invocations();
        assertEquals(4, lines.size(), logs.text());
        assertEquals(
                List.of(200, 200, 401, 422),
                lines.stream().map(l -> l.path("status").asInt()).toList());
        for (int i = 0; i < 4; i++) {
            JsonNode line = lines.get(i);
            assertEquals("q-" + (i + 1), line.path("function_request_id").asText());
            assertEquals(ROUTE, line.path("route").asText());
            assertEquals("stack-status", line.path("function_name").asText());
            assertEquals(
                    "1-674c5a1e-abcdefabcdefabcdefabcdef",
                    line.path("xray_trace_id").asText());
            assertEquals(i == 0, line.path("cold_start").asBoolean());
            assertEquals(i == 0, line.has("_aws"), "only the cold start counts a metric here");
        }
        assertEquals(List.of(), LogLines.emfProblems(lines.getFirst()));
        assertEquals(
                List.of(List.of("function_name")),
                LogLines.emfMetrics(lines.getFirst()).get(Metrics.COLD_START));
        assertEquals(caller.tenantId(), lines.get(0).path("tenant_id").asText());
        assertEquals(instance, lines.get(0).path("instance_id").asText());
        assertFalse(lines.get(2).has("tenant_id"), "an unknown key names no tenant");
        assertFalse(lines.get(3).has("instance_id"), "an invalid id is not logged");
        assertFalse(logs.text().contains("not-a-uuid"));
        assertFalse(logs.text().contains(caller.apiKey()), "the API key reached the logs");
        assertFalse(logs.text().contains(caller.apiKey().substring(16)), "the key's secret part reached the logs");
        assertFalse(logs.text().contains(caller.keyId()), "the key's id (part of the key) reached the logs");
    }
}
