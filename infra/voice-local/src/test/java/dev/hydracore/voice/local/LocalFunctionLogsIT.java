package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The function JVMs' lines as ./hydra local shows them: readable by default, one per request; with
 * --raw-logs the JSON lines CloudWatch would receive, one per invocation, never the API key.
 */
class LocalFunctionLogsIT {
    static final String ROUTE = "GET /v1/instances/{instance_id}/channels/voice";

    /** Three requests: two with the demo key (200) and one without (401). */
    static void requests(HydraLocalProcess local) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI status = URI.create(local.baseUrl() + "/v1/instances/" + local.instanceId() + "/channels/voice");
        for (int i = 0; i < 2; i++) {
            assertEquals(
                    200,
                    http.send(
                                    HttpRequest.newBuilder(status)
                                            .header("Authorization", "Bearer " + local.apiKey())
                                            .timeout(Duration.ofSeconds(60))
                                            .GET()
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode());
        }
        assertEquals(
                401,
                http.send(
                                HttpRequest.newBuilder(status)
                                        .timeout(Duration.ofSeconds(60))
                                        .GET()
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .statusCode());
    }

    /** The log's lines that match, once {@code count} of them are there (the copier runs on its own thread). */
    static List<String> await(HydraLocalProcess local, Predicate<String> match, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<String> lines;
        do {
            lines = local.log().lines().filter(match).toList();
            if (lines.size() >= count) {
                return lines;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        return lines;
    }

    @Test
    void readableByDefaultOneLinePerRequest() throws Exception {
        try (HydraLocalProcess local = HydraLocalProcess.start("hydra-local-logs.log")) {
            requests(local);
            List<String> lines = await(local, l -> l.contains(" VoiceStatusFunction " + ROUTE + " "), 3);
            assertEquals(3, lines.size(), local.log());
            assertTrue(
                    lines.get(0)
                            .matches("\\d\\d:\\d\\d:\\d\\d INFO  VoiceStatusFunction "
                                    + java.util.regex.Pattern.quote(ROUTE) + " 200 [0-9.]+ ms \\(cold start\\)"),
                    lines.get(0));
            assertTrue(lines.get(1).contains(ROUTE + " 200 ") && !lines.get(1).contains("cold"), lines.get(1));
            assertTrue(lines.get(2).contains(ROUTE + " 401 "), lines.get(2));
            assertFalse(local.log().contains("\"latency_ms\""), "no raw JSON line without --raw-logs");
            assertFalse(local.log().contains(local.apiKey()), "the API key reached the function logs");
        }
    }

    @Test
    void rawLogsAreTheJsonLinesOnePerInvocation() throws Exception {
        try (HydraLocalProcess local = HydraLocalProcess.start("hydra-local-raw-logs.log", List.of("--raw-logs"))) {
            requests(local);
            List<String> lines = await(local, l -> l.startsWith("{") && l.contains("\"route\":\"" + ROUTE + "\""), 3);
            assertEquals(3, lines.size(), local.log());
            List<JsonNode> json = new ArrayList<>();
            for (String l : lines) {
                json.add(Json.MAPPER.readTree(l));
            }
            assertEquals(
                    List.of(200, 200, 401),
                    json.stream().map(n -> n.path("status").asInt()).toList());
            assertEquals(
                    List.of(true, false, false),
                    json.stream().map(n -> n.path("cold_start").asBoolean()).toList());
            for (JsonNode n : json) {
                assertEquals(local.instanceId(), n.path("instance_id").asText());
                assertFalse(n.path("correlation_id").asText().isEmpty(), "API Gateway's request id: " + n);
                assertFalse(n.path("function_name").asText().isEmpty());
                assertTrue(n.path("latency_ms").isNumber());
                // From the runtime client's context: the local Runtime API's request id and trace header.
                assertFalse(n.path("function_request_id").asText().isEmpty(), n.toString());
                assertTrue(n.path("xray_trace_id").asText().matches("1-[0-9a-f]{8}-[0-9a-f]{24}"), n.toString());
            }
            assertEquals(
                    3,
                    json.stream()
                            .map(n -> n.path("function_request_id").asText())
                            .distinct()
                            .count());
            assertEquals(
                    json.get(0).path("tenant_id").asText(),
                    json.get(1).path("tenant_id").asText());
            assertFalse(json.get(0).path("tenant_id").asText().isEmpty());
            assertTrue(json.get(0).has("_aws"), "the cold start's metric");
            assertFalse(local.log().contains(local.apiKey()), "the API key reached the function logs");
            // SLF4J 1.7 without a binding wrote three unstructured lines per cold start (the SDK logs through it).
            assertFalse(local.log().contains("SLF4J"), local.log());
        }
    }
}
