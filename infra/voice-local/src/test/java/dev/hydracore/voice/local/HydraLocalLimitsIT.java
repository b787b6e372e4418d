package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.webhook.TimestampedHmac;
import dev.hydracore.voice.core.webhook.TwilioSignature;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * max_concurrent_calls and Idempotency-Key end to end: over HTTP through {@code ./hydra local}
 * (its gateway, function JVMs and emulator), as a client and the providers would send them.
 */
class HydraLocalLimitsIT {
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void limitsAdmitExactlyAndSetupRetriesReplay() throws Exception {
        try (HydraLocalProcess local = HydraLocalProcess.start("hydra-local-limits.log", List.of("--raw-logs"))) {
            URI channel = URI.create(local.baseUrl() + "/v1/instances/" + local.instanceId() + "/channels/voice");
            URI webhook = URI.create(local.baseUrl() + "/v1/webhooks/voice/" + local.instanceId());
            String retellKey = "key_" + UUID.randomUUID().toString().replace("-", "");
            String body = Json.object()
                    .put("api_key", retellKey)
                    .put("agent_id", "agent_e2e")
                    .put("phone_number", "+14155550100")
                    .put("max_concurrent_calls", 2)
                    .put("provider_wiring", false)
                    .toString();
            String idempotencyKey = "e2e-" + UUID.randomUUID();

            HttpResponse<String> first = setup(local, channel, idempotencyKey, body);
            assertEquals(200, first.statusCode(), first::body);
            assertEquals(
                    2,
                    Json.MAPPER
                            .readTree(first.body())
                            .get("max_concurrent_calls")
                            .asInt());
            HttpResponse<String> replay = setup(local, channel, idempotencyKey, body);
            assertEquals(200, replay.statusCode(), replay::body);
            assertEquals(first.body(), replay.body());
            assertEquals(
                    "true", replay.headers().firstValue("idempotent-replayed").orElse(""));
            HttpResponse<String> reused =
                    setup(local, channel, idempotencyKey, body.replace("agent_e2e", "agent_other"));
            assertEquals(422, reused.statusCode(), reused::body);
            assertEquals(
                    List.of("header", "idempotency-key"),
                    Json.MAPPER.convertValue(Json.MAPPER.readTree(reused.body()).at("/detail/0/loc"), List.class));
            JsonNode status = Json.MAPPER.readTree(send(HttpRequest.newBuilder(channel)
                            .header("Authorization", "Bearer " + local.apiKey())
                            .GET())
                    .body());
            assertEquals(2, status.get("max_concurrent_calls").asInt(), status::toString);

            // Retell: five inbound calls at once at a limit of 2 → two answers name the agent, three decline.
            List<CompletableFuture<HttpResponse<String>>> inbound = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                byte[] b = ("{\"event\":\"call_inbound\",\"call_inbound\":{\"from_number\":\"+1415555012" + i
                                + "\",\"to_number\":\"+14155550100\"}}")
                        .getBytes(StandardCharsets.UTF_8);
                inbound.add(http.sendAsync(
                        HttpRequest.newBuilder(webhook)
                                .timeout(Duration.ofSeconds(60))
                                .header("Content-Type", "application/json")
                                .header(
                                        "x-retell-signature",
                                        TimestampedHmac.sign(b, retellKey, System.currentTimeMillis()))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(b))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            int admitted = 0;
            for (CompletableFuture<HttpResponse<String>> f : inbound) {
                HttpResponse<String> r = f.get();
                assertEquals(200, r.statusCode(), r::body);
                JsonNode answer = Json.MAPPER.readTree(r.body()).get("call_inbound");
                if (answer.has("override_agent_id")) {
                    assertEquals("agent_e2e", answer.get("override_agent_id").asText());
                    assertTrue(answer.at("/metadata/hydra_admission").isTextual(), r::body);
                    admitted++;
                } else {
                    assertEquals(0, answer.size(), r::body);
                }
            }
            assertEquals(2, admitted);
            assertTrue(
                    local.log().contains("\"Name\":\"CallsRefused\"")
                            && local.log().contains("call refused"),
                    "a refused call is a log line with its metric");

            // Pipecat on a fresh channel with a limit of 1: three Twilio rings at once → one is taken, two get Reject
            // busy.
            assertEquals(
                    204,
                    send(HttpRequest.newBuilder(channel)
                                    .header("Authorization", "Bearer " + local.apiKey())
                                    .DELETE())
                            .statusCode());
            String token = "tok_" + UUID.randomUUID();
            HttpResponse<String> pipecat = setup(
                    local,
                    channel,
                    null,
                    Json.object()
                            .put("provider", "pipecat")
                            .put("twilio_account_sid", "AC" + "0123456789abcdef".repeat(2))
                            .put("twilio_auth_token", token)
                            .put("twilio_phone_number", "+14155550199")
                            .put("webhook_secret", "whs_" + UUID.randomUUID())
                            .put("openai_api_key", "sk-e2e")
                            .put("max_concurrent_calls", 1)
                            .put("provider_wiring", false)
                            .toString());
            assertEquals(200, pipecat.statusCode(), pipecat::body);
            String webhookUrl =
                    Json.MAPPER.readTree(pipecat.body()).get("webhook_url").asText();
            List<CompletableFuture<HttpResponse<String>>> rings = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                List<Map.Entry<String, String>> params = List.of(
                        Map.entry("AccountSid", "AC" + "0123456789abcdef".repeat(2)),
                        Map.entry(
                                "CallSid",
                                "CAe2e" + i + UUID.randomUUID().toString().replace("-", "")),
                        Map.entry("CallStatus", "ringing"),
                        Map.entry("From", "+1628555010" + i),
                        Map.entry("To", "+14155550199"));
                String form = params.stream()
                        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                        .collect(Collectors.joining("&"));
                rings.add(http.sendAsync(
                        HttpRequest.newBuilder(webhook)
                                .timeout(Duration.ofSeconds(60))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .header("X-Twilio-Signature", TwilioSignature.sign(webhookUrl, params, token))
                                .POST(HttpRequest.BodyPublishers.ofString(form))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            int rejected = 0;
            for (CompletableFuture<HttpResponse<String>> f : rings) {
                HttpResponse<String> r = f.get();
                assertEquals(200, r.statusCode(), r::body);
                assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/xml"));
                if (r.body().contains("<Reject reason=\"busy\"/>")) {
                    rejected++;
                } else {
                    assertFalse(r.body().contains("Reject"), r.body());
                }
            }
            assertEquals(2, rejected);
            JsonNode after = Json.MAPPER.readTree(send(HttpRequest.newBuilder(channel)
                            .header("Authorization", "Bearer " + local.apiKey())
                            .GET())
                    .body());
            assertEquals(1, after.get("active_calls").asInt(), after::toString);
            assertEquals(1, after.get("max_concurrent_calls").asInt(), after::toString);
        }
    }

    private HttpResponse<String> setup(HydraLocalProcess local, URI channel, String idempotencyKey, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(channel)
                .header("Authorization", "Bearer " + local.apiKey())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        return send(b);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
