package dev.hydracore.voice.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.testkit.LogLines;
import dev.hydracore.voice.testkit.TestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The one line per invocation (access log + EMF metrics), and the level filter, without AWS. */
class InvocationLineTest {
    static final String TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    static final String IID = "6f1c9e36-7b2a-4c1e-9d4e-2f3a4b5c6d7e";

    @AfterEach
    void environmentAgain() {
        Log.configure(System.getenv());
    }

    static LogLines run(Runnable body) throws Exception {
        return LogLines.capture(() -> {
                    body.run();
                    return null;
                })
                .logs();
    }

    @Test
    void aRejectedWebhookIsOneLineWithEveryFieldAndValidEmf() throws Exception {
        Log.configure(Map.of(
                "AWS_LAMBDA_FUNCTION_NAME",
                "stack-webhook",
                "AWS_LAMBDA_LOG_LEVEL",
                "INFO",
                "POWERTOOLS_METRICS_NAMESPACE",
                "Test/Voice"));
        LogLines logs = run(() -> {
            Invocation i = Invocation.open(new TestContext("req-1", "stack-webhook", TRACE), true);
            i.route("POST /v1/webhooks/voice/{instance_id}")
                    .correlationId("apigw-1")
                    .instance(IID)
                    .provider("retell")
                    .signatureRejected()
                    .status(401);
            i.close();
        });
        assertEquals(1, logs.lines().size(), logs.text());
        JsonNode line = logs.json().getFirst();
        assertEquals("INFO", line.path("level").asText());
        assertEquals(
                "POST /v1/webhooks/voice/{instance_id} 401",
                line.path("message").asText());
        assertEquals("stack-webhook", line.path("function_name").asText());
        assertEquals("req-1", line.path("function_request_id").asText());
        assertEquals("apigw-1", line.path("correlation_id").asText());
        assertEquals(
                "1-5759e988-bd862e3fe1be46a994272793",
                line.path("xray_trace_id").asText());
        assertTrue(line.path("cold_start").asBoolean());
        assertEquals(401, line.path("status").asInt());
        assertTrue(line.path("latency_ms").isNumber());
        assertEquals(IID, line.path("instance_id").asText());
        assertEquals("retell", line.path("provider").asText());
        assertEquals("rejected", line.path("outcome").asText());
        assertTrue(line.path("timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"));

        assertEquals(List.of(), LogLines.emfProblems(line));
        Map<String, List<List<String>>> metrics = LogLines.emfMetrics(line);
        assertEquals(List.of(List.of(), List.of("provider")), metrics.get(Metrics.SIGNATURE_REJECTIONS));
        assertEquals(List.of(List.of("provider", "outcome")), metrics.get(Metrics.WEBHOOK_EVENTS));
        assertEquals(List.of(List.of("function_name")), metrics.get(Metrics.COLD_START));
        assertFalse(metrics.containsKey(Metrics.DEPENDENCY_UNAVAILABLE));
        for (JsonNode d : line.path("_aws").path("CloudWatchMetrics")) {
            assertEquals("Test/Voice", d.path("Namespace").asText());
        }
        assertEquals(1, line.path(Metrics.SIGNATURE_REJECTIONS).asInt());
    }

    @Test
    void tenantAndInstanceAreMembersNeverDimensions() throws Exception {
        LogLines logs = run(() -> {
            Invocation i = Invocation.open(null, true);
            i.route("GET /v1/instances/{instance_id}/channels/voice")
                    .instance(IID)
                    .tenant("tn_abc")
                    .dependencyUnavailable(new IllegalStateException("boom " + IID), "ThrottlingException")
                    .status(503);
            i.close();
        });
        JsonNode line = logs.json().getFirst();
        assertEquals("WARN", line.path("level").asText());
        assertEquals("dependency unavailable", line.path("message").asText());
        assertEquals("IllegalStateException", line.path("error").path("name").asText());
        assertEquals(
                "ThrottlingException", line.path("error").path("aws_error_code").asText());
        assertFalse(logs.text().contains("boom"), "an exception's message reached the log");
        assertEquals("tn_abc", line.path("tenant_id").asText());
        assertEquals(List.of(), LogLines.emfProblems(line));
        Map<String, List<List<String>>> metrics = LogLines.emfMetrics(line);
        assertEquals(List.of(List.of("function_name")), metrics.get(Metrics.DEPENDENCY_UNAVAILABLE));
        for (List<List<String>> sets : metrics.values()) {
            for (List<String> set : sets) {
                assertFalse(set.contains("tenant_id") || set.contains("instance_id"), "an id is a dimension: " + sets);
            }
        }
    }

    @Test
    void linesBelowTheApplicationLogLevelAreNotWritten() throws Exception {
        Log.configure(Map.of("AWS_LAMBDA_LOG_LEVEL", "WARN"));
        LogLines logs = run(() -> {
            Invocation ok = Invocation.open(null, false);
            ok.route("GET /x").status(200);
            ok.close();
            Log.info("an info line");
            Invocation failing = Invocation.open(null, false);
            failing.route("GET /x")
                    .failed(new IllegalArgumentException("secret-ish input"))
                    .status(500);
            failing.close();
        });
        assertEquals(1, logs.lines().size(), logs.text());
        JsonNode line = logs.json().getFirst();
        assertEquals("ERROR", line.path("level").asText());
        assertEquals("unhandled failure", line.path("message").asText());
        assertEquals(
                IllegalArgumentException.class.getName(),
                line.path("error").path("name").asText());
        assertFalse(logs.text().contains("secret-ish"));
    }

    @Test
    void aWarningDuringAnInvocationCarriesItsIdsAndPrimingWritesNothing() throws Exception {
        LogLines logs = run(() -> {
            Invocation priming = Invocation.openPriming();
            priming.route("GET /x").status(401);
            priming.close();
            Invocation i = Invocation.open(new TestContext("req-2", "fn", null), false);
            Log.warn("stored voice credentials unreadable", "instance_id", IID);
            i.route("GET /x").status(200);
            i.close();
        });
        List<JsonNode> lines = logs.json();
        assertEquals(2, lines.size(), logs.text());
        assertEquals("req-2", lines.get(0).path("function_request_id").asText());
        assertEquals("WARN", lines.get(0).path("level").asText());
        assertEquals(1, logs.invocations().size());
        assertFalse(lines.get(1).has("_aws"), "a warm 200 counts no metric");
    }

    @Test
    void onlyAWellFormedTraceIdAndIdShapedRequestIdsAreKept() throws Exception {
        assertEquals("1-5759e988-bd862e3fe1be46a994272793", Invocation.traceId(null, TRACE));
        assertEquals(
                "1-5759e988-bd862e3fe1be46a994272793",
                Invocation.traceId(TRACE, "Root=1-00000000-000000000000000000000000"));
        assertEquals(null, Invocation.traceId("Root=\"><script>;Sampled=1", null));
        LogLines logs = run(() -> {
            Invocation i = Invocation.open(new TestContext("req 3 \"quoted\"", "fn", "Root=bogus"), false);
            i.correlationId("{\"injected\":true}").status(200);
            i.close();
        });
        JsonNode line = logs.json().getFirst();
        assertFalse(line.has("function_request_id"));
        assertFalse(line.has("correlation_id"));
        assertFalse(line.has("xray_trace_id"));
    }

    @Test
    void aHundredAndFiftyMetricsSplitIntoDirectivesOfAtMostAHundred() throws Exception {
        LogLines logs = run(() -> {
            Invocation i = Invocation.open(null, false);
            for (int n = 0; n < 150; n++) {
                i.metric("M" + n, Metrics.COUNT, n, List.of(List.of()));
            }
            i.close();
        });
        JsonNode line = logs.json().getFirst();
        assertEquals(List.of(), LogLines.emfProblems(line));
        assertEquals(150, LogLines.emfMetrics(line).size());
        assertEquals(2, line.path("_aws").path("CloudWatchMetrics").size());
    }

    @Test
    void everyMetricAnAlarmWatchesInTheServiceNamespaceIsOneWeEmit() throws Exception {
        String template = Files.readString(Path.of("../../template.yaml"));
        Matcher m = Pattern.compile("Namespace: !Ref MetricsNamespace\\s+MetricName: (\\w+)")
                .matcher(template);
        List<String> watched = new ArrayList<>();
        while (m.find()) {
            watched.add(m.group(1));
        }
        assertTrue(watched.contains(Metrics.SIGNATURE_REJECTIONS), "the template's alarms: " + watched);
        assertTrue(Metrics.NAMES.containsAll(watched), "an alarm watches a metric nothing emits: " + watched);
        assertTrue(template.contains("POWERTOOLS_METRICS_NAMESPACE: !Ref MetricsNamespace"));
    }
}
