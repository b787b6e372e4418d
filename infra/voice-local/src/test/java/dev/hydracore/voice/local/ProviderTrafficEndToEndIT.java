package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.testkit.RetellCallEvents;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real provider traffic through {@code ./hydra local} over HTTP, signed by the providers' own code
 * (retell-sdk's webhook_auth, twilio's RequestValidator, via infra/provider_sign.py): full-size
 * Retell events, one agent per channel, bytes as sent, secret minimums, and a teardown that answers
 * at once.
 */
class ProviderTrafficEndToEndIT {
    static final String AGENT = "agent_e2e";
    static HydraLocalProcess hydra;
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        hydra = HydraLocalProcess.start("provider-traffic-e2e.log");
    }

    @AfterAll
    static void stop() {
        if (hydra != null) {
            hydra.close();
        }
    }

    /** Runs infra/provider_sign.py: the key goes through the environment, the body through stdin. */
    static String sign(String key, byte[] body, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                ProjectPaths.python().toString(),
                ProjectPaths.root().resolve("infra/provider_sign.py").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("PROVIDER_SIGNING_KEY", key);
        Process p = pb.start();
        try {
            try (var in = p.getOutputStream()) {
                in.write(body);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            p.getInputStream().transferTo(out);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), err);
            return out.toString(StandardCharsets.UTF_8).strip();
        } finally {
            p.destroyForcibly();
        }
    }

    static String retellSignature(String key, byte[] body) throws Exception {
        return sign(key, body, "retell", "--timestamp", Long.toString(System.currentTimeMillis()));
    }

    static URI channelUri(String iid) {
        return URI.create(hydra.baseUrl() + "/v1/instances/" + iid + "/channels/voice");
    }

    static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return HTTP.send(b.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> setup(String iid, byte[] body) throws Exception {
        return send(HttpRequest.newBuilder(channelUri(iid))
                .header("Authorization", "Bearer " + hydra.apiKey())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    static JsonNode status(String iid) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(channelUri(iid))
                .header("Authorization", "Bearer " + hydra.apiKey())
                .GET());
        assertEquals(200, r.statusCode(), r::body);
        return Json.MAPPER.readTree(r.body());
    }

    static JsonNode calls(String iid) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(channelUri(iid) + "/calls"))
                .header("Authorization", "Bearer " + hydra.apiKey())
                .GET());
        assertEquals(200, r.statusCode(), r::body);
        return Json.MAPPER.readTree(r.body());
    }

    static HttpResponse<String> retell(String iid, String key, String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return send(HttpRequest.newBuilder(URI.create(hydra.baseUrl() + "/v1/webhooks/voice/" + iid))
                .header("Content-Type", "application/json")
                .header("x-retell-signature", retellSignature(key, bytes))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    }

    static String retellChannel(String iid, String key) throws Exception {
        HttpResponse<String> r = setup(
                iid,
                Json.object()
                        .put("provider", "retell")
                        .put("api_key", key)
                        .put("agent_id", AGENT)
                        .put("phone_number", "+14155550100")
                        .put("provider_wiring", false)
                        .toString()
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(200, r.statusCode(), r::body);
        return Json.MAPPER.readTree(r.body()).get("webhook_url").asText();
    }

    @Test
    void fullSizeRetellEventsSignedBySdkEndCallsAndOtherAgentsAreIgnored() throws Exception {
        String iid = hydra.instanceId();
        String key = "key_" + UUID.randomUUID().toString().replace("-", "");
        retellChannel(iid, key);
        String callId = "call_" + UUID.randomUUID().toString().replace("-", "");
        HttpResponse<String> started = retell(
                iid,
                key,
                RetellCallEvents.of("call_started", callId, AGENT, "+14155550123", 0)
                        .json());
        assertEquals(200, started.statusCode(), started::body);
        assertEquals("{\"status\":\"ok\"}", started.body());
        // Another agent's call on the same account-level webhook URL is acknowledged and not counted.
        HttpResponse<String> foreign = retell(
                iid,
                key,
                RetellCallEvents.of("call_started", "call_other_" + callId, "agent_someone_else", "+14155550123", 0)
                        .json());
        assertEquals("{\"status\":\"ignored\"}", foreign.body());
        assertEquals(1, status(iid).get("active_calls").asInt());
        assertEquals(1, calls(iid).size());

        // A 25-minute call's call_ended: several hundred KB.
        String ended = RetellCallEvents.of("call_ended", callId, AGENT, "+14155550123", 440 * 1024)
                .json();
        assertTrue(ended.length() > 430 * 1024, "size " + ended.length());
        HttpResponse<String> r = retell(iid, key, ended);
        assertEquals(200, r.statusCode(), r::body);
        assertEquals("{\"status\":\"ok\"}", r.body());
        assertEquals(0, status(iid).get("active_calls").asInt());
        assertEquals(0, calls(iid).size());
        HttpResponse<String> analyzed =
                retell(iid, key, ended.replace("\"event\":\"call_ended\"", "\"event\":\"call_analyzed\""));
        assertEquals("{\"status\":\"ignored\"}", analyzed.body());

        // Near Lambda's 6 MB: a body whose event (the body JSON-escaped, plus headers) still fits.
        String longCall = "call_" + UUID.randomUUID().toString().replace("-", "");
        assertEquals(
                "{\"status\":\"ok\"}",
                retell(
                                iid,
                                key,
                                RetellCallEvents.of("call_started", longCall, AGENT, "+14155550123", 0)
                                        .json())
                        .body());
        String sample = RetellCallEvents.of("call_ended", longCall, AGENT, "+14155550123", 100_000)
                .json();
        double escaping = (double) Json.MAPPER.writeValueAsString(sample).length() / sample.length();
        String big = RetellCallEvents.of("call_ended", longCall, AGENT, "+14155550123", (int) (5_800_000 / escaping))
                .json();
        int eventBytes = Json.MAPPER.writeValueAsString(big).length();
        System.out.printf(
                "near-limit call_ended: body %,d bytes, escaped into the event %,d bytes%n", big.length(), eventBytes);
        assertTrue(eventBytes > 5_700_000 && eventBytes < 6_000_000, "event " + eventBytes);
        HttpResponse<String> bigEnd = retell(iid, key, big);
        assertEquals(200, bigEnd.statusCode(), bigEnd::body);
        assertEquals("{\"status\":\"ok\"}", bigEnd.body());
        assertEquals(0, status(iid).get("active_calls").asInt());

        // Unsigned: refused before anything is read.
        HttpResponse<String> unsigned =
                send(HttpRequest.newBuilder(URI.create(hydra.baseUrl() + "/v1/webhooks/voice/" + iid))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(ended)));
        assertEquals(401, unsigned.statusCode());

        // Teardown answers at once; a retry is 404.
        HttpResponse<String> down = send(HttpRequest.newBuilder(channelUri(iid))
                .header("Authorization", "Bearer " + hydra.apiKey())
                .DELETE());
        assertEquals(204, down.statusCode(), down::body);
        HttpResponse<String> again = send(HttpRequest.newBuilder(channelUri(iid))
                .header("Authorization", "Bearer " + hydra.apiKey())
                .DELETE());
        assertEquals(404, again.statusCode());
        assertEquals("not_configured", status(iid).get("status").asText());
    }

    @Test
    void twilioStatusCallbacksSignedByTwiliosValidator() throws Exception {
        String iid = registerSecondInstance();
        String token = "tok_" + UUID.randomUUID().toString().replace("-", "");
        ObjectNode body = Json.object()
                .put("provider", "pipecat")
                .put("twilio_account_sid", "AC" + "0123456789abcdef".repeat(2))
                .put("twilio_auth_token", token)
                .put("twilio_phone_number", "+14155550199")
                .put("webhook_secret", "whsec_" + UUID.randomUUID())
                .put("openai_api_key", "sk-e2e-openai-0000")
                .put("provider_wiring", false);
        HttpResponse<String> r = setup(iid, body.toString().getBytes(StandardCharsets.UTF_8));
        assertEquals(200, r.statusCode(), r::body);
        String url = Json.MAPPER.readTree(r.body()).get("webhook_url").asText();
        String sid = "CA" + UUID.randomUUID().toString().replace("-", "");
        for (String callStatus : List.of("in-progress", "completed")) {
            Map<String, String> params = new java.util.TreeMap<>(Map.of(
                    "AccountSid",
                    "AC" + "0123456789abcdef".repeat(2),
                    "CallSid",
                    sid,
                    "CallStatus",
                    callStatus,
                    "From",
                    "+14155550123",
                    "To",
                    "+14155550199",
                    "CallbackSource",
                    "call-progress-events",
                    "Direction",
                    "inbound"));
            String form = params.entrySet().stream()
                    .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                            + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                    .collect(Collectors.joining("&"));
            byte[] bytes = form.getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> cb =
                    send(HttpRequest.newBuilder(URI.create(hydra.baseUrl() + "/v1/webhooks/voice/" + iid))
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .header("X-Twilio-Signature", sign(token, bytes, "twilio", "--url", url))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)));
            assertEquals(200, cb.statusCode(), cb::body);
            assertEquals("{\"status\":\"ok\"}", cb.body());
            assertEquals(
                    callStatus.equals("completed") ? 0 : 1,
                    status(iid).get("active_calls").asInt());
        }
    }

    @Test
    void setupStoresBytesAsSentOrNothingAndProviderSecretsHaveAMinimum() throws Exception {
        String iid = registerSecondInstance();
        String prefix = "{\"provider\":\"retell\",\"agent_id\":\"" + AGENT
                + "\",\"phone_number\":\"+14155550100\",\"api_key\":\"key_0123456789";
        byte[] head = prefix.getBytes(StandardCharsets.UTF_8);
        byte[] tail = "abcdef\"}".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + 1 + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        body[head.length] = (byte) 0xFF; // not UTF-8 anywhere
        System.arraycopy(tail, 0, body, head.length + 1, tail.length);
        HttpResponse<String> r = setup(iid, body);
        assertEquals(422, r.statusCode(), r::body);
        assertEquals(
                "json_invalid",
                Json.MAPPER
                        .readTree(r.body())
                        .path("detail")
                        .get(0)
                        .path("type")
                        .asText());
        assertEquals("not_configured", status(iid).get("status").asText(), "nothing stored");

        HttpResponse<String> shortKey = setup(
                iid,
                Json.object()
                        .put("provider", "retell")
                        .put("api_key", "key_short")
                        .put("agent_id", AGENT)
                        .put("phone_number", "+14155550100")
                        .toString()
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(422, shortKey.statusCode());
        JsonNode d = Json.MAPPER.readTree(shortKey.body()).path("detail").get(0);
        assertEquals("string_too_short", d.path("type").asText());
        assertEquals("String should have at least 16 characters", d.path("msg").asText());
        assertEquals("not_configured", status(iid).get("status").asText());
    }

    /** Another instance of the demo tenant, registered with the operator CLI as an operator would. */
    static String registerSecondInstance() throws Exception {
        String iid = UUID.randomUUID().toString();
        String tenant = hydra.tenantId();
        ProcessBuilder pb = new ProcessBuilder(
                        "bash",
                        ProjectPaths.root().resolve("hydra").toString(),
                        "admin",
                        "instance",
                        "register",
                        iid,
                        "--tenant",
                        tenant,
                        "--json")
                .directory(ProjectPaths.root().toFile());
        pb.environment().put("HYDRA_SKIP_BUILD", "1");
        pb.environment().put("AWS_ENDPOINT_URL", hydra.awsEndpoint());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return iid;
    }
}
