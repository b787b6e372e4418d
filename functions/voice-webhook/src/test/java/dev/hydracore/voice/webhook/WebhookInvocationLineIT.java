package dev.hydracore.voice.webhook;

import static dev.hydracore.voice.webhook.Deliveries.botBody;
import static dev.hydracore.voice.webhook.Deliveries.retellBody;
import static dev.hydracore.voice.webhook.Deliveries.twilioParams;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.FunctionHandler;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Metrics;
import dev.hydracore.voice.core.webhook.TimestampedHmac;
import dev.hydracore.voice.testkit.LogLines;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.testkit.TestChannels;
import dev.hydracore.voice.testkit.TestChannels.Channel;
import dev.hydracore.voice.testkit.TestContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The webhook's one JSON line per invocation, read from what the Lambda entry point writes: provider
 * and outcome for each kind of delivery, the metrics each one counts as valid EMF, and no secret,
 * signature or body content in any line.
 */
class WebhookInvocationLineIT {
    static final String TRACE = "Root=1-674c5a1e-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";
    static TestAws aws;
    static TestChannels channels;
    static TestCaller caller;

    @BeforeAll
    static void setUp() {
        aws = TestAws.shared();
        channels = new TestChannels(aws);
        caller = aws.newCaller();
    }

    /** One delivery through handleRequest, as Lambda invokes it; its status code. */
    static int invoke(FunctionHandler handler, ObjectNode event, String requestId) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(
                new ByteArrayInputStream(Json.MAPPER.writeValueAsBytes(event)),
                out,
                new TestContext(requestId, "stack-webhook", TRACE));
        return Json.MAPPER.readTree(out.toByteArray()).path("statusCode").asInt();
    }

    @Test
    void everyDeliveryIsOneLineWithItsProviderOutcomeAndMetrics() throws Exception {
        String retellKey = "key_retell_" + UUID.randomUUID();
        Channel retell = channels.retell(caller, aws.registerInstance(caller), retellKey);
        String twilioToken = "twilio-token-" + UUID.randomUUID();
        String botSecret = "hydra-secret-" + UUID.randomUUID();
        Channel pipecat = channels.pipecat(caller, aws.registerInstance(caller), twilioToken, botSecret);
        String callerPhone = "+14155550177";
        String started = retellBody("call_started", "call_line_1", callerPhone, 0);
        byte[] startedBytes = started.getBytes(StandardCharsets.UTF_8);
        String forged = TimestampedHmac.sign(startedBytes, retellKey + "x", System.currentTimeMillis());
        String unregistered = UUID.randomUUID().toString();

        List<Delivery> deliveries = List.of(
                new Delivery("r-applied", Deliveries.retell(retell, started), 200, "retell", "applied"),
                new Delivery("r-duplicate", Deliveries.retell(retell, started), 200, "retell", "duplicate"),
                new Delivery(
                        "r-ignored",
                        Deliveries.retell(retell, retellBody("call_analyzed_unknown", "call_line_1", callerPhone, 0)),
                        200,
                        "retell",
                        "ignored"),
                new Delivery(
                        "r-forged",
                        Deliveries.json(retell.instanceId(), "x-retell-signature", forged, started),
                        401,
                        "retell",
                        "rejected"),
                new Delivery(
                        "r-unsigned",
                        Deliveries.json(retell.instanceId(), "x-retell-signature", null, started),
                        401,
                        "retell",
                        "rejected"),
                new Delivery(
                        "r-no-channel",
                        Deliveries.json(unregistered, "x-retell-signature", forged, started),
                        404,
                        "retell",
                        "rejected"),
                new Delivery(
                        "b-applied",
                        Deliveries.bot(
                                pipecat,
                                botBody(
                                        "call.started",
                                        UUID.randomUUID().toString(),
                                        "CA" + "1".repeat(32),
                                        callerPhone)),
                        200,
                        "pipecat-bot",
                        "applied"),
                new Delivery(
                        "t-applied",
                        Deliveries.twilio(
                                pipecat, "", twilioParams("CA" + "2".repeat(32), callerPhone, "ringing", false)),
                        200,
                        "twilio",
                        "applied"));

        VoiceWebhookHandler handler = new VoiceWebhookHandler(aws.services());
        LogLines logs = LogLines.capture(() -> {
                    for (Delivery d : deliveries) {
                        assertEquals(d.status(), invoke(handler, d.event(), d.requestId()), d.requestId());
                    }
                    return null;
                })
                .logs();

        List<JsonNode> lines = logs.invocations();
        assertEquals(deliveries.size(), lines.size(), "one line per invocation: " + logs);
        assertEquals(lines.size(), logs.json().size(), "no other line: " + logs);
        for (int i = 0; i < deliveries.size(); i++) {
            Delivery d = deliveries.get(i);
            JsonNode line = lines.get(i);
            assertEquals(d.requestId(), line.path("function_request_id").asText(), logs.text());
            assertEquals(d.status(), line.path("status").asInt(), d.requestId());
            assertEquals(d.provider(), line.path("provider").asText(), d.requestId());
            assertEquals(d.outcome(), line.path("outcome").asText(), d.requestId());
            assertEquals(Deliveries.ROUTE, line.path("route").asText());
            assertEquals(
                    "1-674c5a1e-0123456789abcdef01234567",
                    line.path("xray_trace_id").asText());
            assertFalse(line.path("correlation_id").asText().isEmpty(), "API Gateway's request id");
            assertEquals(
                    i == 0, line.path("cold_start").asBoolean(), "only the first invocation is cold: " + d.requestId());
            assertEquals(
                    d.event().path("pathParameters").path("instance_id").asText(),
                    line.path("instance_id").asText());
            assertTrue(line.path("latency_ms").asDouble() > 0);

            assertEquals(List.of(), LogLines.emfProblems(line), d.requestId() + ": " + line);
            Map<String, List<List<String>>> metrics = LogLines.emfMetrics(line);
            assertEquals(List.of(List.of("provider", "outcome")), metrics.get(Metrics.WEBHOOK_EVENTS), d.requestId());
            assertEquals(1, line.path(Metrics.WEBHOOK_EVENTS).asInt());
            boolean signature =
                    d.requestId().equals("r-forged") || d.requestId().equals("r-unsigned");
            assertEquals(signature, metrics.containsKey(Metrics.SIGNATURE_REJECTIONS), d.requestId());
            if (signature) {
                assertEquals(List.of(List.of(), List.of("provider")), metrics.get(Metrics.SIGNATURE_REJECTIONS));
            }
            assertEquals(i == 0, metrics.containsKey(Metrics.COLD_START), d.requestId());
            assertFalse(metrics.containsKey(Metrics.DEPENDENCY_UNAVAILABLE));
        }

        List<String> secrets = new ArrayList<>(List.of(
                retellKey,
                twilioToken,
                botSecret,
                callerPhone,
                "call_line_1",
                "agent_test",
                "transcript",
                forged.substring(forged.indexOf("d=") + 2)));
        for (Delivery d : deliveries) {
            d.event().path("headers").properties().forEach(h -> {
                if (h.getKey().contains("signature")) {
                    secrets.add(h.getValue().asText());
                }
            });
        }
        for (String secret : secrets) {
            assertFalse(
                    logs.text().contains(secret), "a secret, signature or body content reached the logs: " + secret);
        }
    }

    @Test
    void anOutageIsAWarningLineCountingDependencyUnavailable() throws Exception {
        Channel ch = channels.retell(caller, aws.registerInstance(caller), "key_retell_" + UUID.randomUUID());
        VoiceWebhookHandler down = new VoiceWebhookHandler(aws.unreachableServices());
        LogLines logs = LogLines.capture(() -> {
                    assertEquals(
                            503,
                            invoke(
                                    down,
                                    Deliveries.retell(ch, retellBody("call_started", "call_down_l", "+14155550178", 0)),
                                    "r-503"));
                    return null;
                })
                .logs();
        List<JsonNode> lines = logs.invocations();
        assertEquals(1, lines.size(), logs.text());
        JsonNode line = lines.getFirst();
        assertEquals("WARN", line.path("level").asText());
        assertEquals("dependency unavailable", line.path("message").asText());
        assertFalse(line.path("error").path("name").asText().isEmpty());
        assertEquals(List.of(), LogLines.emfProblems(line));
        assertEquals(
                List.of(List.of("function_name")), LogLines.emfMetrics(line).get(Metrics.DEPENDENCY_UNAVAILABLE));
        assertFalse(LogLines.emfMetrics(line).containsKey(Metrics.WEBHOOK_EVENTS), "a 503 is no delivery outcome");
        assertFalse(logs.text().contains(ch.secret("api_key")));
    }

    record Delivery(String requestId, ObjectNode event, int status, String provider, String outcome) {}
}
