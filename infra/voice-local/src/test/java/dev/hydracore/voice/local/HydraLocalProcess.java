package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./hydra local} as a user runs it, for tests that drive it from outside: a separate
 * process on a free loopback port, stderr in a log under target/, ready once it printed READY.
 * {@link #close()} stops it and everything it started, whatever the test did.
 */
final class HydraLocalProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final JsonNode ready;
    private final Duration startup;

    private HydraLocalProcess(Process process, Path log, JsonNode ready, Duration startup) {
        this.process = process;
        this.log = log;
        this.ready = ready;
        this.startup = startup;
    }

    /** Starts ./hydra local and waits (up to 180 s) for its READY line. */
    static HydraLocalProcess start(String logName) throws Exception {
        return start(logName, List.of());
    }

    /** The same, with more of ./hydra local's options. */
    static HydraLocalProcess start(String logName, List<String> options) throws Exception {
        Path log = logFile(logName);
        long started = System.nanoTime();
        Process process = builder(freePort(), log, options).start();
        try {
            JsonNode ready = awaitReady(process, log);
            return new HydraLocalProcess(process, log, ready, Duration.ofNanos(System.nanoTime() - started));
        } catch (Throwable t) {
            stop(process);
            throw t;
        }
    }

    /**
     * The command a user types, {@code ./hydra local --port <port> <options>}, in the project root,
     * stderr to {@code log}: for tests that need the bare process (how it stops, what it leaves).
     */
    static ProcessBuilder builder(int port, Path log, List<String> options) {
        Path root = ProjectPaths.root();
        List<String> command = new java.util.ArrayList<>(
                List.of("bash", root.resolve("hydra").toString(), "local", "--port", Integer.toString(port)));
        command.addAll(options);
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile()).redirectError(log.toFile());
        // We run inside `mvn verify`, which has already built what ./hydra local needs.
        pb.environment().put("HYDRA_SKIP_BUILD", "1");
        pb.environment().remove("HYDRA_PUBLIC_URL");
        return pb;
    }

    /** A log file under infra/voice-local/target. */
    static Path logFile(String name) throws IOException {
        return Files.createDirectories(ProjectPaths.root().resolve("infra/voice-local/target"))
                .resolve(name);
    }

    String baseUrl() {
        return ready.get("base_url").asText();
    }

    String apiKey() {
        return ready.get("api_key").asText();
    }

    String instanceId() {
        return ready.get("instance_id").asText();
    }

    String tenantId() {
        return ready.get("tenant_id").asText();
    }

    String awsEndpoint() {
        return ready.get("aws_endpoint").asText();
    }

    /** The READY line's {@code providers} object (the fake providers and their demo accounts). */
    JsonNode providers() {
        return ready.path("providers");
    }

    /**
     * Fails if Prism rejected any request to, or answer of, the fake providers this ./hydra local
     * runs (their {@code /_fake/violations}, the ones marked {@code rejection}): the one check an
     * end-to-end test through the fakes ends with.
     */
    void assertPrismRejectedNothing() throws Exception {
        List<String> rejected = new java.util.ArrayList<>();
        for (String provider : List.of("twilio", "retell")) {
            String control = providers().path(provider).path("control_url").asText();
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(control + "/_fake/violations"))
                                    .timeout(java.time.Duration.ofSeconds(10))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
            assertTrue(r.statusCode() == 200, () -> provider + " fake's violations: " + r.statusCode());
            for (JsonNode v : Json.MAPPER.readTree(r.body())) {
                if (v.path("rejection").asBoolean()) {
                    rejected.add(v.toString());
                }
            }
        }
        assertTrue(rejected.isEmpty(), () -> "Prism rejected:\n  " + String.join("\n  ", rejected));
    }

    /** From starting the process to reading its READY line (the build already done: HYDRA_SKIP_BUILD). */
    Duration startup() {
        return startup;
    }

    /** The whole READY object. */
    JsonNode ready() {
        return ready;
    }

    /** What ./hydra local said on stderr so far (for failure messages). */
    String log() {
        return readLog(log);
    }

    @Override
    public void close() {
        stop(process);
    }

    private static void stop(Process process) {
        List<ProcessHandle> started = process.toHandle().descendants().toList();
        process.destroy(); // SIGTERM: its shutdown hook stops the function JVMs and the emulator
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        started.forEach(ProcessHandle::destroyForcibly);
    }

    /** The READY object; stdout keeps being drained afterwards so the server never blocks on a full pipe. */
    static JsonNode awaitReady(Process hydra, Path log) throws Exception {
        BufferedReader stdout =
                new BufferedReader(new InputStreamReader(hydra.getInputStream(), StandardCharsets.UTF_8));
        String readyLine = CompletableFuture.supplyAsync(() -> {
                    try {
                        for (String line; (line = stdout.readLine()) != null; ) {
                            if (line.startsWith("READY ")) {
                                return line;
                            }
                        }
                        return null;
                    } catch (IOException e) {
                        return null;
                    }
                })
                .get(180, TimeUnit.SECONDS);
        assertTrue(readyLine != null, () -> "no READY line; ./hydra local said:\n" + readLog(log));
        Thread.ofVirtual().start(() -> {
            try {
                stdout.transferTo(java.io.Writer.nullWriter());
            } catch (IOException ignored) {
                // closed on exit
            }
        });
        return Json.MAPPER.readTree(readyLine.substring("READY ".length()));
    }

    static String readLog(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
