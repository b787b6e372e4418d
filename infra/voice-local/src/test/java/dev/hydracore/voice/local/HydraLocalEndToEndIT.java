package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.tooling.LocalAws;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code ./hydra local} as a user runs it: a separate process, the READY line, the status route
 * with the demo key over real HTTP, then SIGTERM — after which nothing it started may survive.
 */
class HydraLocalEndToEndIT {

    @Test
    void servesTheStatusRouteWithTheDemoKeyAndLeavesNothingRunning() throws Exception {
        int port = HydraLocalProcess.freePort();
        Path log = HydraLocalProcess.logFile("hydra-local-e2e.log");
        Process hydra = HydraLocalProcess.builder(port, log, List.of()).start();
        try {
            JsonNode ready = HydraLocalProcess.awaitReady(hydra, log);
            assertEquals(
                    List.of("api_key", "aws_endpoint", "base_url", "instance_id", "providers", "tenant_id"),
                    fieldNames(ready),
                    ready.toString().replaceAll("hk_\\S+?\"", "hk_…\""));
            assertEquals("http://127.0.0.1:" + port, ready.get("base_url").asText());
            assertTrue(ready.get("api_key").asText().startsWith("hk_"));

            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            URI status = URI.create(ready.get("base_url").asText() + "/v1/instances/"
                    + ready.get("instance_id").asText() + "/channels/voice");
            HttpResponse<String> ok = http.send(
                    HttpRequest.newBuilder(status)
                            .header(
                                    "Authorization",
                                    "Bearer " + ready.get("api_key").asText())
                            .timeout(Duration.ofSeconds(60))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode(), ok::body);
            assertEquals(
                    Json.MAPPER.readTree(
                            "{\"active_calls\":0,\"enabled\":false,\"phone_number\":null,\"provider\":null,"
                                    + "\"status\":\"not_configured\",\"webhook_url\":null,\"max_concurrent_calls\":null,\"provider_wiring\":null}"),
                    Json.MAPPER.readTree(ok.body()));
            assertTrue(ok.headers().firstValue("content-type").orElse("").startsWith("application/json"));

            HttpResponse<String> anonymous =
                    http.send(HttpRequest.newBuilder(status).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode(), anonymous::body);

            // Everything it started: the emulator (unless AWS_ENDPOINT_URL named one) and the
            // status function's JVM, which must exist now that the route has answered.
            List<ProcessHandle> started = hydra.toHandle().descendants().toList();
            assertTrue(
                    started.stream()
                            .anyMatch(p -> p.info().commandLine().orElse("").contains(RuntimeClient.MAIN_CLASS)),
                    () -> "a function JVM serves the route: " + describe(started));
            // The emulator the test run selected (HYDRA_TEST_AWS, inherited by ./hydra local): its launcher.
            String emulator = LocalAws.emulator();
            if (System.getenv("AWS_ENDPOINT_URL") == null && !emulator.equals("localstack")) {
                String launcher = emulator + "_launcher";
                assertTrue(
                        started.stream()
                                .anyMatch(p -> p.info().commandLine().orElse("").contains(launcher)),
                        () -> "the " + emulator + " emulator runs: " + describe(started));
            }

            hydra.destroy(); // SIGTERM, as a user's kill or a service manager sends
            assertTrue(hydra.waitFor(30, TimeUnit.SECONDS), "./hydra local stops on SIGTERM");
            for (ProcessHandle child : started) {
                child.onExit().get(10, TimeUnit.SECONDS);
                assertFalse(
                        child.isAlive(),
                        () -> "survived: " + child.pid() + " "
                                + child.info().commandLine().orElse(""));
            }
        } finally {
            List<ProcessHandle> left = hydra.toHandle().descendants().toList();
            hydra.destroyForcibly();
            left.forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void aKilledLocalRuntimeTakesItsFunctionJvmsAndEmulatorWithIt() throws Exception {
        int port = HydraLocalProcess.freePort();
        Path log = HydraLocalProcess.logFile("hydra-local-kill.log");
        Process hydra = HydraLocalProcess.builder(port, log, List.of()).start();
        List<ProcessHandle> started = List.of();
        try {
            JsonNode ready = HydraLocalProcess.awaitReady(hydra, log);
            HttpResponse<String> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(
                                            URI.create(ready.get("base_url").asText() + "/v1/instances/"
                                                    + ready.get("instance_id").asText() + "/channels/voice"))
                                    .timeout(Duration.ofSeconds(60))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(401, r.statusCode(), r::body);
            started = hydra.toHandle().descendants().toList();
            assertTrue(
                    started.stream()
                            .anyMatch(p -> p.info().commandLine().orElse("").contains(RuntimeClient.MAIN_CLASS)),
                    () -> "a function JVM answered: "
                            + describe(hydra.toHandle().descendants().toList()));

            hydra.destroyForcibly(); // SIGKILL: no shutdown hook runs; the children must notice by themselves
            assertTrue(hydra.waitFor(10, TimeUnit.SECONDS));
            for (ProcessHandle child : started) {
                child.onExit().get(20, TimeUnit.SECONDS);
                assertFalse(
                        child.isAlive(),
                        () -> "orphan survived: " + child.pid() + " "
                                + child.info().commandLine().orElse(""));
            }
        } finally {
            hydra.destroyForcibly();
            started.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static List<String> fieldNames(JsonNode o) {
        List<String> names = new java.util.ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names.stream().sorted().toList();
    }

    private static String describe(List<ProcessHandle> ps) {
        return ps.stream()
                .map(p -> p.pid() + " " + p.info().command().orElse("?"))
                .toList()
                .toString();
    }
}
