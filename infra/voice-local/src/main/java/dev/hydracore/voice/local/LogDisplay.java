package dev.hydracore.voice.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * How a function JVM's log lines reach the terminal of {@code ./hydra local}: each JSON line (what
 * CloudWatch would receive) as one readable line, e.g.
 * {@code 12:00:01 INFO  VoiceStatusFunction GET /v1/instances/{instance_id}/channels/voice 200 3.1 ms},
 * or the raw JSON as written ({@code --raw-logs}). Lines that are not JSON objects (the JVM's own
 * warnings) pass through unchanged.
 */
public final class LogDisplay {
    private static final DateTimeFormatter CLOCK =
            DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
    private static volatile boolean raw = true;

    private static final java.util.Set<String> STANDARD = java.util.Set.of(
            "timestamp",
            "level",
            "message",
            "service",
            "function_name",
            "function_version",
            "function_request_id",
            "correlation_id",
            "xray_trace_id",
            "error");

    private LogDisplay() {}

    /** Readable lines ({@code false}) or the raw JSON ({@code true}, the default outside ./hydra local). */
    public static void raw(boolean rawJson) {
        raw = rawJson;
    }

    /** One line as the terminal shows it. */
    static String show(String line, String function, boolean rawJson) {
        if (rawJson || !line.startsWith("{")) {
            return line;
        }
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(line);
        } catch (IOException e) {
            return line;
        }
        if (n == null || !n.isObject() || !n.has("level") || !n.has("message")) {
            return line;
        }
        StringBuilder b = new StringBuilder(160);
        b.append(clock(n.path("timestamp").asText("")))
                .append(' ')
                .append(String.format("%-5s", n.path("level").asText()))
                .append(' ')
                .append(function)
                .append(' ');
        boolean access = n.has("latency_ms");
        String route = n.path("route").asText("");
        if (access && !route.isEmpty()) {
            b.append(route);
            if (n.has("status")) {
                b.append(' ').append(n.path("status").asInt());
            }
            if (!n.path("message").asText().startsWith(route)) {
                b.append(' ').append(n.path("message").asText());
            }
        } else {
            b.append(n.path("message").asText());
        }
        if (access) {
            b.append(' ').append(n.path("latency_ms").asText()).append(" ms");
        }
        for (String key : new String[] {"provider", "outcome", "ended", "orphans_removed", "contended"}) {
            if (n.has(key)) {
                b.append(' ').append(key).append('=').append(n.path(key).asText());
            }
        }
        if (n.has("error")) {
            b.append(" [").append(n.path("error").path("name").asText());
            if (n.path("error").has("aws_error_code")) {
                b.append(' ').append(n.path("error").path("aws_error_code").asText());
            }
            b.append(']');
        }
        if (n.path("cold_start").asBoolean(false)) {
            b.append(" (cold start)");
        }
        n.properties().forEach(e -> {
            if (!access && !STANDARD.contains(e.getKey())) {
                b.append(' ')
                        .append(e.getKey())
                        .append('=')
                        .append(e.getValue().isTextual() ? e.getValue().asText() : e.getValue());
            }
        });
        return b.toString();
    }

    private static String clock(String timestamp) {
        try {
            return CLOCK.format(Instant.parse(timestamp));
        } catch (DateTimeParseException e) {
            return "--:--:--";
        }
    }

    /**
     * Copies a function JVM's output to ours line by line from a Java thread (not an inherited
     * descriptor, so a test runner that captures System.err sees it too), shown as {@link #raw} says.
     */
    static Thread copyInBackground(InputStream from, OutputStream to, String function) {
        return Thread.ofVirtual().name("logs-" + function).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(from, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    byte[] shown = (show(line, function, raw) + "\n").getBytes(StandardCharsets.UTF_8);
                    synchronized (to) {
                        to.write(shown);
                        to.flush();
                    }
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        });
    }
}
