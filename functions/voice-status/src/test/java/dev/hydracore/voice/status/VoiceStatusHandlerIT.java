package dev.hydracore.voice.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.store.TableLayout;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.tooling.ApiEvents;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** GET /v1/instances/{instance_id}/channels/voice against the emulator, every branch of the contract. */
class VoiceStatusHandlerIT {
    static final String ROUTE = "GET /v1/instances/{instance_id}/channels/voice";
    static TestAws aws;
    static VoiceStatusHandler handler;
    static TestCaller caller;
    static String instance;

    @BeforeAll
    static void setUp() {
        aws = TestAws.shared();
        handler = new VoiceStatusHandler(aws.services());
        caller = aws.newCaller();
        instance = aws.registerInstance(caller);
    }

    static ObjectNode event(String instanceId, Map<String, String> headers) {
        return ApiEvents.of(
                "GET",
                "/v1/instances/" + instanceId + "/channels/voice",
                ROUTE,
                Map.of("instance_id", instanceId),
                headers,
                null);
    }

    static JsonNode body(HttpResponse r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }

    @Test
    void registeredInstanceWithoutChannelIsNotConfigured() throws Exception {
        HttpResponse r = handler.respond(event(instance, caller.bearer()));
        assertEquals(200, r.status());
        assertEquals("application/json", r.headers().get("content-type"));
        assertEquals(Json.MAPPER.readTree("""
                {"active_calls":0,"enabled":false,"phone_number":null,"provider":null,
                 "status":"not_configured","webhook_url":null,"max_concurrent_calls":null,
                 "provider_wiring":null}"""), body(r));
    }

    @Test
    void configuredChannelIsReportedWithItsCounter() throws Exception {
        String iid = aws.registerInstance(caller);
        aws.dynamo()
                .updateItem(u -> u.tableName(aws.resources().tableName())
                        .key(TableLayout.instanceKey(iid))
                        .updateExpression(
                                "SET provider = :p, phone_number = :n, webhook_url = :w, active_calls = :c, #g = :g")
                        .expressionAttributeNames(Map.of("#g", "generation"))
                        .expressionAttributeValues(Map.of(
                                ":p",
                                TableLayout.s("retell"),
                                ":n",
                                TableLayout.s("+14155550100"),
                                ":w",
                                TableLayout.s("https://voice.test.invalid/v1/webhooks/voice/" + iid),
                                ":c",
                                TableLayout.n(2),
                                ":g",
                                TableLayout.s("g1"))));
        HttpResponse r = handler.respond(event(iid.toUpperCase(), Map.of("x-api-key", caller.apiKey())));
        assertEquals(200, r.status());
        assertEquals(
                Json.MAPPER.readTree("{\"active_calls\":2,\"enabled\":true,\"phone_number\":\"+14155550100\","
                        + "\"provider\":\"retell\",\"status\":\"active\",\"webhook_url\":\"https://voice.test.invalid/v1/webhooks/voice/"
                        + iid + "\",\"max_concurrent_calls\":null,\"provider_wiring\":true}"),
                body(r));
    }

    @Test
    void noKeyIsNotAuthenticated() throws Exception {
        for (Map<String, String> headers : List.of(
                Map.<String, String>of(),
                Map.of("authorization", "Basic dXNlcjpwdw=="),
                Map.of("authorization", "Bearer "),
                Map.of("x-api-key", "  "))) {
            HttpResponse r = handler.respond(event(instance, headers));
            assertEquals(401, r.status(), headers.toString());
            assertEquals("Bearer", r.headers().get("www-authenticate"));
            assertEquals("Not authenticated", body(r).path("detail").asText());
        }
    }

    @Test
    void malformedUnknownAndDisagreeingKeysAreInvalid() throws Exception {
        String unknown = aws.admin().createKey(caller.tenantId()).plaintext();
        String forged = unknown.substring(0, unknown.length() - 4) + (unknown.endsWith("AAAA") ? "BBBB" : "AAAA");
        List<Map<String, String>> cases = List.of(
                Map.of("authorization", "Bearer not-a-key"),
                Map.of("x-api-key", caller.apiKey() + "x"),
                Map.of("authorization", "Bearer " + forged),
                Map.of("authorization", "Bearer " + caller.apiKey(), "x-api-key", unknown));
        for (Map<String, String> headers : cases) {
            HttpResponse r = handler.respond(event(instance, headers));
            assertEquals(401, r.status());
            assertEquals("Invalid API key", body(r).path("detail").asText());
            assertEquals("Bearer", r.headers().get("www-authenticate"));
        }
    }

    @Test
    void bothHeadersNamingTheSameKeyAreAccepted() {
        HttpResponse r = handler.respond(
                event(instance, Map.of("authorization", "bearer " + caller.apiKey(), "x-api-key", caller.apiKey())));
        assertEquals(200, r.status());
    }

    @Test
    void revokedKeyIsInvalidOnceTheCacheBoundPasses() throws Exception {
        TestCaller c = aws.newCaller();
        String iid = aws.registerInstance(c);
        VoiceStatusHandler fresh =
                new VoiceStatusHandler(aws.services(aws.settings().with(Settings.API_KEY_CACHE_SECONDS, "1")));
        assertEquals(200, fresh.respond(event(iid, c.bearer())).status());
        aws.admin().revokeKey(c.keyId());
        Thread.sleep(1_100);
        HttpResponse r = fresh.respond(event(iid, c.bearer()));
        assertEquals(401, r.status());
        assertEquals("Invalid API key", body(r).path("detail").asText());
        // A handler with no cached entry refuses it at once.
        assertEquals(
                401,
                new VoiceStatusHandler(aws.services())
                        .respond(event(iid, c.bearer()))
                        .status());
    }

    @Test
    void otherTenantsInstanceAndUnregisteredInstanceAnswerTheSame404() throws Exception {
        TestCaller other = aws.newCaller();
        String theirs = aws.registerInstance(other);
        HttpResponse foreign = handler.respond(event(theirs, caller.bearer()));
        HttpResponse missing = handler.respond(event(UUID.randomUUID().toString(), caller.bearer()));
        assertEquals(404, foreign.status());
        assertEquals(404, missing.status());
        assertEquals("{\"detail\":\"Instance not found\"}", foreign.body());
        assertEquals(foreign.body(), missing.body());
        assertEquals(foreign.headers(), missing.headers());
    }

    @Test
    void malformedInstanceIdIs422InPydanticShape() throws Exception {
        for (String bad : List.of(
                "not-a-uuid",
                "497f6eca-6276-4993-bfeb-53cbbbba6f0",
                "497f6eca-6276-4993-bfeb-53cbbbba6f0g",
                "497f6eca_6276_4993_bfeb_53cbbbba6f08")) {
            HttpResponse r = handler.respond(event(bad, caller.bearer()));
            assertEquals(422, r.status(), bad);
            JsonNode d = body(r).path("detail");
            assertEquals(1, d.size());
            assertEquals(
                    Json.MAPPER.readTree("[\"path\",\"instance_id\"]"), d.get(0).path("loc"));
            assertEquals("uuid_parsing", d.get(0).path("type").asText());
            assertTrue(d.get(0).path("msg").asText().startsWith("Input should be a valid UUID"));
            assertFalse(d.get(0).path("msg").asText().contains(bad), "msg must not echo the input");
        }
    }

    @Test
    void dependencyOutageIs503WithRetryAfterAndChangesNothing() throws Exception {
        Map<String, AttributeValue> before = aws.dynamo()
                .getItem(g -> g.tableName(aws.resources().tableName())
                        .key(TableLayout.instanceKey(instance))
                        .consistentRead(true))
                .item();
        VoiceStatusHandler down = new VoiceStatusHandler(aws.unreachableServices());
        HttpResponse r = down.respond(event(instance, caller.bearer()));
        assertEquals(503, r.status());
        assertEquals("1", r.headers().get("retry-after"));
        assertTrue(body(r).path("detail").isTextual());
        Map<String, AttributeValue> after = aws.dynamo()
                .getItem(g -> g.tableName(aws.resources().tableName())
                        .key(TableLayout.instanceKey(instance))
                        .consistentRead(true))
                .item();
        assertEquals(before, after);
    }

    @Test
    void sampleEventDrivesTheLambdaEntryPoint() throws Exception {
        // The sample in events/ (as `./hydra invoke` and `sam local invoke` use it), with a real key
        // and instance swapped in, through the same stream entry point Lambda calls.
        ObjectNode sample = (ObjectNode)
                Json.MAPPER.readTree(Files.readAllBytes(ProjectPaths.root().resolve("events/voice-status.json")));
        ((ObjectNode) sample.path("headers")).put("authorization", "Bearer " + caller.apiKey());
        ((ObjectNode) sample.path("pathParameters")).put("instance_id", instance);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(Json.MAPPER.writeValueAsBytes(sample)), out, null);
        JsonNode response = Json.MAPPER.readTree(out.toByteArray());
        assertEquals(200, response.path("statusCode").asInt());
        assertEquals(
                "not_configured",
                Json.MAPPER
                        .readTree(response.path("body").asText())
                        .path("status")
                        .asText());
        assertFalse(response.path("isBase64Encoded").asBoolean());
    }

    @Test
    void noStoredItemContainsAnApiKeyInClear() {
        List<String> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            keys.add(aws.newCaller().apiKey());
        }
        keys.add(caller.apiKey());
        Map<String, AttributeValue> start = null;
        int scanned = 0;
        do {
            Map<String, AttributeValue> from = start;
            var page = aws.dynamo()
                    .scan(s -> s.tableName(aws.resources().tableName()).exclusiveStartKey(from));
            for (Map<String, AttributeValue> item : page.items()) {
                scanned++;
                String text = item.toString();
                for (String key : keys) {
                    assertFalse(text.contains(key), "an API key is stored in clear");
                    // Not even the secret half alone.
                    assertFalse(text.contains(key.substring(16)), "an API key's secret part is stored in clear");
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        assertTrue(scanned >= 8, "the scan saw the key items");
    }

    @Test
    void oneDynamoReadPerRequestOnceTheKeyIsCached() {
        // Counted by the emulator-independent route: a second request with the cached key reads only
        // the instance item. We prove it by revoking behind the cache: the request still succeeds,
        // so the key was not looked up again.
        TestCaller c = aws.newCaller();
        String iid = aws.registerInstance(c);
        VoiceStatusHandler h =
                new VoiceStatusHandler(aws.services(aws.settings().with(Settings.API_KEY_CACHE_SECONDS, "300")));
        assertEquals(200, h.respond(event(iid, c.bearer())).status());
        aws.admin().revokeKey(c.keyId());
        assertEquals(200, h.respond(event(iid, c.bearer())).status());
        Map<String, String> copy = new HashMap<>(c.bearer());
        assertEquals(
                401,
                new VoiceStatusHandler(aws.services()).respond(event(iid, copy)).status());
    }

    @Test
    void dynamoThrottlingIs503WithRetryAfter() throws Exception {
        // Fault injection on the real emulator client: the instance read is throttled, as
        // DynamoDB answers under load; the key lookup before it really reaches the emulator.
        VoiceStatusHandler throttled =
                new VoiceStatusHandler(aws.services(aws.settings(), (operation, request, proceed) -> {
                    if (request instanceof software.amazon.awssdk.services.dynamodb.model.GetItemRequest get
                            && "INSTANCE".equals(get.key().get(TableLayout.SK).s())) {
                        throw software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException
                                .builder()
                                .message("Rate exceeded")
                                .build();
                    }
                    return proceed.call();
                }));
        HttpResponse r = throttled.respond(event(instance, caller.bearer()));
        assertEquals(503, r.status());
        assertEquals("1", r.headers().get("retry-after"));
        assertEquals(
                "Service temporarily unavailable, retry later",
                body(r).path("detail").asText());
    }

    @Test
    void dynamoOutageWithThePepperCachedIs503() throws Exception {
        // Secrets Manager answers (the emulator); DynamoDB's endpoint refuses connections.
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        dev.hydracore.voice.core.aws.AwsClients dead = new dev.hydracore.voice.core.aws.AwsClients(
                aws.aws().region(),
                java.net.URI.create("http://127.0.0.1:" + closed),
                aws.aws().credentials());
        dev.hydracore.voice.core.aws.AwsClients split =
                new dev.hydracore.voice.core.aws.AwsClients(
                        aws.aws().region(), aws.aws().endpoint(), aws.aws().credentials()) {
                    @Override
                    public synchronized software.amazon.awssdk.services.dynamodb.DynamoDbClient dynamo() {
                        return dead.dynamo();
                    }
                };
        VoiceStatusHandler down = new VoiceStatusHandler(
                new dev.hydracore.voice.core.Services(aws.settings(), split, java.time.Clock.systemUTC()));
        HttpResponse r = down.respond(event(instance, caller.bearer()));
        assertEquals(503, r.status());
        assertEquals("1", r.headers().get("retry-after"));
    }
}
