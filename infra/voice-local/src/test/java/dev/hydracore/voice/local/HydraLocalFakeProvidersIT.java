package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code ./hydra local} starts the fake providers behind Prism by default: its READY line names
 * them with their demo accounts (within 30 s of a built tree), a request to the printed base URLs
 * reaches the seeded state through Prism, which rejects nothing, and a newcomer's setup with the
 * demo Twilio account wires the demo number; teardown answers 204. With
 * {@code --no-fake-providers} there are none.
 */
class HydraLocalFakeProvidersIT {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void readyNamesTheFakesAndTheirBaseUrlsReachTheSeededStateThroughPrism() throws Exception {
        try (HydraLocalProcess local = HydraLocalProcess.start("hydra-local-fakes.log")) {
            assertTrue(
                    local.startup().compareTo(Duration.ofSeconds(30)) < 0,
                    () -> "READY came " + local.startup().toMillis() + " ms after the start (issue: within 30 s)");
            JsonNode twilio = local.providers().path("twilio");
            JsonNode retell = local.providers().path("retell");
            for (String field : List.of(
                    "base_url",
                    "control_url",
                    "account_sid",
                    "auth_token",
                    "phone_number",
                    "phone_number_sid",
                    "application_phone_number",
                    "trunk_phone_number")) {
                assertFalse(twilio.path(field).asText().isEmpty(), () -> "twilio." + field + " in " + local.ready());
            }
            for (String field :
                    List.of("base_url", "control_url", "api_key", "agent_id", "previous_agent_id", "phone_number")) {
                assertFalse(retell.path(field).asText().isEmpty(), () -> "retell." + field + " in " + local.ready());
            }

            String basic = "Basic "
                    + Base64.getEncoder()
                            .encodeToString((twilio.get("account_sid").asText() + ":"
                                            + twilio.get("auth_token").asText())
                                    .getBytes(StandardCharsets.UTF_8));
            JsonNode listed = get(
                    twilio.get("base_url").asText() + "/2010-04-01/Accounts/"
                            + twilio.get("account_sid").asText()
                            + "/IncomingPhoneNumbers.json?PhoneNumber="
                            + URLEncoder.encode(twilio.get("phone_number").asText(), StandardCharsets.UTF_8),
                    basic);
            JsonNode number = listed.get("incoming_phone_numbers").get(0);
            assertEquals(
                    twilio.get("phone_number_sid").asText(), number.get("sid").asText());
            assertTrue(number.get("voice_url").asText().startsWith("https://previous.example.com/"), number::toString);

            String bearer = "Bearer " + retell.get("api_key").asText();
            JsonNode retellNumber = get(
                    retell.get("base_url").asText() + "/get-phone-number/"
                            + URLEncoder.encode(retell.get("phone_number").asText(), StandardCharsets.UTF_8),
                    bearer);
            assertEquals(
                    retell.get("previous_agent_id").asText(),
                    retellNumber.get("inbound_agents").get(0).get("agent_id").asText());
            JsonNode agent = get(
                    retell.get("base_url").asText() + "/get-agent/"
                            + retell.get("agent_id").asText(),
                    bearer);
            assertTrue(agent.get("webhook_url").asText().startsWith("https://previous.example.com/"), agent::toString);

            // The fakes logged what came through Prism, and Prism rejected none of it.
            JsonNode log = get(twilio.get("control_url").asText() + "/_fake/requests", null);
            assertEquals("ListIncomingPhoneNumber", log.get(0).get("operation").asText());
            local.assertPrismRejectedNothing();

            // A newcomer's first setup, with the demo Twilio account and number READY printed:
            // the fake's number now points at the channel's webhook; teardown answers 204.
            String channel = local.baseUrl() + "/v1/instances/" + local.instanceId() + "/channels/voice";
            HttpResponse<String> setup = HTTP.send(
                    HttpRequest.newBuilder(URI.create(channel))
                            .timeout(Duration.ofSeconds(30))
                            .header("Authorization", "Bearer " + local.apiKey())
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(Json.object()
                                    .put("provider", "pipecat")
                                    .put(
                                            "twilio_account_sid",
                                            twilio.get("account_sid").asText())
                                    .put(
                                            "twilio_auth_token",
                                            twilio.get("auth_token").asText())
                                    .put(
                                            "twilio_phone_number",
                                            twilio.get("phone_number").asText())
                                    .put("webhook_secret", "whsec_" + "d".repeat(20))
                                    .put("deepgram_api_key", "dg_demo")
                                    .put("openai_api_key", "sk-demo")
                                    .put("cartesia_api_key", "ca_demo")
                                    .toString()))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, setup.statusCode(), setup::body);
            JsonNode configured = Json.MAPPER.readTree(setup.body());
            assertEquals("active", configured.path("status").asText(), setup::body);
            String webhook = configured.path("webhook_url").asText();
            JsonNode wired = get(
                    twilio.get("control_url").asText() + "/_fake/numbers/"
                            + twilio.get("phone_number_sid").asText(),
                    null);
            assertEquals(webhook, wired.path("voice_url").asText(), wired::toString);
            assertEquals(webhook, wired.path("status_callback").asText(), wired::toString);
            HttpResponse<String> teardown = HTTP.send(
                    HttpRequest.newBuilder(URI.create(channel))
                            .timeout(Duration.ofSeconds(30))
                            .header("Authorization", "Bearer " + local.apiKey())
                            .DELETE()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(204, teardown.statusCode(), teardown::body);
            local.assertPrismRejectedNothing();

            // A request Prism rejects is reported on stderr and through the control API.
            HttpResponse<String> invalid = HTTP.send(
                    HttpRequest.newBuilder(URI.create(twilio.get("base_url").asText() + "/2010-04-01/Accounts/"
                                    + twilio.get("account_sid").asText() + "/IncomingPhoneNumbers/"
                                    + twilio.get("phone_number_sid").asText() + ".json"))
                            .header("Authorization", basic)
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(HttpRequest.BodyPublishers.ofString("VoiceUrl=not-a-url"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(422, invalid.statusCode(), invalid::body);
            JsonNode after = get(twilio.get("control_url").asText() + "/_fake/violations", null);
            assertTrue(
                    after.size() > 0
                            && after.get(after.size() - 1).get("rejection").asBoolean(),
                    after::toString);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!local.log().contains("hydra: Prism rejected: twilio POST") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(local.log().contains("hydra: Prism rejected: twilio POST"), local::log);
            assertThrows(AssertionError.class, local::assertPrismRejectedNothing);
        }
    }

    @Test
    void noFakeProvidersStartsNone() throws Exception {
        try (HydraLocalProcess local =
                HydraLocalProcess.start("hydra-local-no-fakes.log", List.of("--no-fake-providers"))) {
            assertTrue(local.providers().isMissingNode(), () -> local.ready().toString());
            assertFalse(local.log().contains("prism"), local::log);
        }
    }

    @Test
    void aUsersProviderOverrideStartsNone() throws Exception {
        try (HydraLocalProcess local = HydraLocalProcess.start(
                "hydra-local-provider-override.log",
                List.of("--parameter-overrides", "RetellApiBaseUrl=http://127.0.0.1:9"))) {
            assertTrue(local.providers().isMissingNode(), () -> local.ready().toString());
        }
    }

    private static JsonNode get(String url, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), () -> url + ": " + r.body());
        return Json.MAPPER.readTree(r.body());
    }
}
