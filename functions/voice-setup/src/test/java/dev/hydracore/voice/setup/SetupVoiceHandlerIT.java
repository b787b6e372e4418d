package dev.hydracore.voice.setup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.crypto.CredentialVault;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.http.RequestLimits;
import dev.hydracore.voice.core.store.ChannelRecord;
import dev.hydracore.voice.core.store.TableLayout;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.tooling.ApiEvents;
import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** POST /v1/instances/{instance_id}/channels/voice against the emulator: every branch of the contract. */
class SetupVoiceHandlerIT {
    static final String ROUTE = "POST /v1/instances/{instance_id}/channels/voice";
    static final String SID = "AC0123456789abcdef0123456789abcdef";
    static TestAws aws;
    static SetupVoiceHandler handler;
    static TestCaller caller;

    @BeforeAll
    static void setUp() {
        aws = TestAws.shared();
        handler = new SetupVoiceHandler(aws.services());
        caller = aws.newCaller();
    }

    static ObjectNode event(String instanceId, Map<String, String> headers, String body) {
        return ApiEvents.of(
                "POST",
                "/v1/instances/" + instanceId + "/channels/voice",
                ROUTE,
                Map.of("instance_id", instanceId),
                headers,
                unwired(body));
    }

    /**
     * The body with {@code "provider_wiring":false} added when it is a JSON object that does not
     * name it: these tests are about our own rules, not the provider's (SetupWiringIT is).
     */
    static String unwired(String body) {
        if (body == null) {
            return null;
        }
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            if (n instanceof ObjectNode o && !o.has("provider_wiring")) {
                o.put("provider_wiring", false);
                return Json.MAPPER.writeValueAsString(o);
            }
        } catch (Exception notJson) {
            // sent as it is: the test is about the body itself
        }
        return body;
    }

    static HttpResponse post(String instanceId, String body) {
        return handler.respond(event(instanceId, caller.bearer(), body));
    }

    static JsonNode json(HttpResponse r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }

    static JsonNode json(String s) throws Exception {
        return Json.MAPPER.readTree(s);
    }

    static String random(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "");
    }

    static Map<String, AttributeValue> item(String iid) {
        return aws.dynamo()
                .getItem(g -> g.tableName(aws.resources().tableName())
                        .key(TableLayout.instanceKey(iid))
                        .consistentRead(true))
                .item();
    }

    static ChannelRecord channel(String iid) {
        return aws.services().instances().find(iid).orElseThrow().channel().orElseThrow();
    }

    /** Decrypted by a vault with an empty data-key cache: what is stored, not what was remembered. */
    static Map<String, String> storedCredentials(String iid) {
        return aws.services().vault().open(iid, channel(iid).sealed());
    }

    static String retellBody(String apiKey) {
        return "{\"provider\":\"retell\",\"api_key\":\"" + apiKey
                + "\",\"agent_id\":\"agent_abc\",\"phone_number\":\"+14155550100\"}";
    }

    static ObjectNode pipecatBody(Map<String, String> keys) {
        ObjectNode b = Json.object();
        b.put("provider", "pipecat");
        b.put("twilio_account_sid", SID);
        b.put("twilio_phone_number", "+14155550199");
        keys.forEach(b::put);
        return b;
    }

    static void assert422(HttpResponse r, String expectedDetail) throws Exception {
        assertEquals(422, r.status(), r.body());
        assertEquals("application/json", r.headers().get("content-type"));
        assertEquals(json("{\"detail\":" + expectedDetail + "}"), json(r));
    }

    @Test
    void retellSetupAnswersTheStatusAndWhichCredentialsAreConfigured() throws Exception {
        String iid = aws.registerInstance(caller);
        String apiKey = random("key_");
        HttpResponse r = post(iid, retellBody(apiKey));
        assertEquals(200, r.status(), r.body());
        assertEquals("application/json", r.headers().get("content-type"));
        assertEquals(json("""
                {"active_calls":0,"enabled":true,"phone_number":"+14155550100","provider":"retell","status":"active",
                 "webhook_url":"https://voice.test.invalid/v1/webhooks/voice/%s","max_concurrent_calls":null,
                 "provider_wiring":false,
                 "credentials":{"api_key":true,"webhook_secret":false,"twilio_auth_token":false,"deepgram_api_key":false,
                  "cartesia_api_key":false,"elevenlabs_api_key":false,"openai_api_key":false,"anthropic_api_key":false,
                  "google_api_key":false}}""".formatted(iid)), json(r));
        Map<String, AttributeValue> item = item(iid);
        assertEquals("agent_abc", item.get(TableLayout.AGENT_ID).s());
        assertEquals(List.of("api_key"), item.get(TableLayout.CREDENTIAL_NAMES).ss());
        assertNotNull(item.get(TableLayout.DATA_KEY).b());
        assertNotNull(item.get(TableLayout.SEALED_CREDENTIALS).b());
        assertNotNull(item.get(TableLayout.GENERATION).s());
        assertEquals(Map.of("api_key", apiKey), storedCredentials(iid));
    }

    @Test
    void pipecatSetupReportsTheTwilioNumberAndStoresEveryKeySealed() throws Exception {
        String iid = aws.registerInstance(caller);
        Map<String, String> keys = Map.of(
                "twilio_auth_token",
                random("tok_"),
                "webhook_secret",
                random("whs_"),
                "deepgram_api_key",
                random("dg_"),
                "anthropic_api_key",
                random("an_"),
                "elevenlabs_api_key",
                random("el_"));
        HttpResponse r = post(iid, pipecatBody(keys).toString());
        assertEquals(200, r.status(), r.body());
        JsonNode b = json(r);
        assertEquals("+14155550199", b.path("phone_number").asText());
        assertEquals("pipecat", b.path("provider").asText());
        assertEquals(json("""
                {"api_key":false,"webhook_secret":true,"twilio_auth_token":true,"deepgram_api_key":true,
                 "cartesia_api_key":false,"elevenlabs_api_key":true,"openai_api_key":false,"anthropic_api_key":true,
                 "google_api_key":false}"""), b.path("credentials"));
        assertEquals(keys, storedCredentials(iid));
        assertEquals(SID, item(iid).get(TableLayout.TWILIO_ACCOUNT_SID).s());
        assertNull(item(iid).get(TableLayout.AGENT_ID));
    }

    @Test
    void aMergeKeepsAnOmittedKeyAsDecryptingTheStoredBundleShows() throws Exception {
        String iid = aws.registerInstance(caller);
        String apiKey = random("key_");
        assertEquals(200, post(iid, retellBody(apiKey)).status());
        String generation = channel(iid).generation();
        HttpResponse r = post(iid, "{\"agent_id\":\"agent_two\"}");
        assertEquals(200, r.status(), r.body());
        assertTrue(json(r).path("credentials").path("api_key").asBoolean());
        assertEquals(Map.of("api_key", apiKey), storedCredentials(iid));
        assertEquals("agent_two", item(iid).get(TableLayout.AGENT_ID).s());
        assertEquals("+14155550100", item(iid).get(TableLayout.PHONE_NUMBER).s());
        assertEquals(generation, channel(iid).generation());
    }

    @Test
    void oneKeyIsRotatedAloneAndTheOthersStay() throws Exception {
        String iid = aws.registerInstance(caller);
        Map<String, String> keys = new HashMap<>(Map.of(
                "twilio_auth_token",
                random("tok_"),
                "webhook_secret",
                random("whs_"),
                "deepgram_api_key",
                random("dg_"),
                "anthropic_api_key",
                random("an_"),
                "cartesia_api_key",
                random("ca_")));
        assertEquals(200, post(iid, pipecatBody(keys).toString()).status());
        String rotated = random("an2_");
        HttpResponse r = post(iid, "{\"provider\":\"pipecat\",\"anthropic_api_key\":\"" + rotated + "\"}");
        assertEquals(200, r.status(), r.body());
        keys.put("anthropic_api_key", rotated);
        assertEquals(keys, storedCredentials(iid));
        assertEquals(SID, item(iid).get(TableLayout.TWILIO_ACCOUNT_SID).s());
        assertEquals("+14155550199", json(r).path("phone_number").asText());
    }

    @Test
    void aProviderChangeDropsTheOldProvidersCredentialsAndSettings() throws Exception {
        String iid = aws.registerInstance(caller);
        Map<String, String> keys = Map.of(
                "twilio_auth_token", random("tok_"), "webhook_secret", random("whs_"), "openai_api_key", random("oa_"));
        assertEquals(200, post(iid, pipecatBody(keys).toString()).status());
        String generation = channel(iid).generation();
        String apiKey = random("key_");
        HttpResponse r = post(iid, retellBody(apiKey));
        assertEquals(200, r.status(), r.body());
        assertEquals(Map.of("api_key", apiKey), storedCredentials(iid));
        Map<String, AttributeValue> item = item(iid);
        assertEquals(List.of("api_key"), item.get(TableLayout.CREDENTIAL_NAMES).ss());
        assertNull(item.get(TableLayout.TWILIO_ACCOUNT_SID));
        assertEquals("retell", item.get(TableLayout.PROVIDER).s());
        assertEquals(generation, channel(iid).generation());
        assertFalse(json(r).path("credentials").path("openai_api_key").asBoolean());
        // And a merge that would need the old provider's values does not find them.
        assert422(post(iid, "{\"provider\":\"pipecat\"}"), """
                [{"loc":["body","twilio_account_sid"],"msg":"Field required","type":"missing"},
                 {"loc":["body","twilio_auth_token"],"msg":"Field required","type":"missing"},
                 {"loc":["body","twilio_phone_number"],"msg":"Field required","type":"missing"},
                 {"loc":["body","webhook_secret"],"msg":"Field required","type":"missing"},
                 {"loc":["body"],"msg":"At least one speech-to-text key is required: deepgram_api_key, openai_api_key or google_api_key","type":"missing"},
                 {"loc":["body"],"msg":"At least one language model key is required: openai_api_key, anthropic_api_key or google_api_key","type":"missing"},
                 {"loc":["body"],"msg":"At least one text-to-speech key is required: cartesia_api_key, elevenlabs_api_key, openai_api_key or google_api_key","type":"missing"}]""");
    }

    @Test
    void activeCallsSurviveAReSetup() throws Exception {
        String iid = aws.registerInstance(caller);
        assertEquals(200, post(iid, retellBody(random("key_"))).status());
        String generation = channel(iid).generation();
        aws.dynamo()
                .updateItem(u -> u.tableName(aws.resources().tableName())
                        .key(TableLayout.instanceKey(iid))
                        .updateExpression("SET active_calls = :c")
                        .expressionAttributeValues(Map.of(":c", TableLayout.n(3))));
        HttpResponse r = post(iid, retellBody(random("key_")));
        assertEquals(200, r.status());
        assertEquals(3, json(r).path("active_calls").asInt());
        assertEquals("3", item(iid).get(TableLayout.ACTIVE_CALLS).n());
        assertEquals(generation, channel(iid).generation());
        // Also across a provider change: the calls in flight are still calls of this channel.
        HttpResponse p = post(
                iid,
                pipecatBody(Map.of(
                                "twilio_auth_token",
                                random("tok_"),
                                "webhook_secret",
                                random("whs_"),
                                "google_api_key",
                                random("g_")))
                        .toString());
        assertEquals(200, p.status(), p.body());
        assertEquals(3, json(p).path("active_calls").asInt());
    }

    @Test
    void aCiphertextCopiedOntoAnotherInstanceDoesNotDecrypt() throws Exception {
        String a = aws.registerInstance(caller);
        String b = aws.registerInstance(caller);
        String keyA = random("keyA_");
        String keyB = random("keyB_");
        assertEquals(200, post(a, retellBody(keyA)).status());
        assertEquals(200, post(b, retellBody(keyB)).status());
        Map<String, AttributeValue> itemA = item(a);
        aws.dynamo()
                .updateItem(u -> u.tableName(aws.resources().tableName())
                        .key(TableLayout.instanceKey(b))
                        .updateExpression("SET data_key = :k, sealed_credentials = :c")
                        .expressionAttributeValues(Map.of(
                                ":k",
                                itemA.get(TableLayout.DATA_KEY),
                                ":c",
                                itemA.get(TableLayout.SEALED_CREDENTIALS))));
        CredentialVault vault = aws.services().vault();
        assertThrows(
                CredentialVault.UnreadableCredentialsException.class,
                () -> vault.open(b, channel(b).sealed()));
        // Also with A's data key already cached in this vault: the cache is per instance, and GCM's
        // associated data binds the bundle to A.
        assertEquals(Map.of("api_key", keyA), vault.open(a, channel(a).sealed()));
        assertThrows(
                CredentialVault.UnreadableCredentialsException.class,
                () -> vault.open(b, channel(b).sealed()));

        // A merge on B cannot carry anything over: 409, nothing changes, nothing leaks.
        Map<String, AttributeValue> before = item(b);
        HttpResponse r = post(b, "{\"agent_id\":\"agent_new\"}");
        assertEquals(409, r.status());
        assertEquals("{\"detail\":\"" + SetupVoiceHandler.STORED_CREDENTIALS_UNREADABLE + "\"}", r.body());
        assertEquals(before, item(b));
        // Sending every credential again needs nothing from the unreadable bundle.
        String fresh = random("keyB2_");
        assertEquals(200, post(b, retellBody(fresh)).status());
        assertEquals(Map.of("api_key", fresh), storedCredentials(b));
    }

    @Test
    void aKmsOutageLeavesThePreviousConfigurationIntact() throws Exception {
        String iid = aws.registerInstance(caller);
        String apiKey = random("key_");
        assertEquals(200, post(iid, retellBody(apiKey)).status());
        Map<String, AttributeValue> before = item(iid);
        SetupVoiceHandler kmsDown = new SetupVoiceHandler(aws.kmsUnreachableServices());
        for (String body : List.of(
                retellBody(random("key_")),
                "{\"agent_id\":\"agent_new\"}",
                pipecatBody(Map.of(
                                "twilio_auth_token",
                                random("tok_"),
                                "webhook_secret",
                                random("whs_"),
                                "google_api_key",
                                "g"))
                        .toString())) {
            HttpResponse r = kmsDown.respond(event(iid, caller.bearer(), body));
            assertEquals(503, r.status(), r.body());
            assertEquals("1", r.headers().get("retry-after"));
            assertEquals(
                    "Service temporarily unavailable, retry later",
                    json(r).path("detail").asText());
            assertEquals(before, item(iid));
        }
        assertEquals(Map.of("api_key", apiKey), storedCredentials(iid));
        // A first setup fails the same way and creates nothing.
        String fresh = aws.registerInstance(caller);
        Map<String, AttributeValue> registration = item(fresh);
        assertEquals(
                503,
                kmsDown.respond(event(fresh, caller.bearer(), retellBody(random("key_"))))
                        .status());
        assertEquals(registration, item(fresh));
    }

    @Test
    void aDynamoOutageIs503AndChangesNothing() throws Exception {
        String iid = aws.registerInstance(caller);
        String apiKey = random("key_");
        assertEquals(200, post(iid, retellBody(apiKey)).status());
        Map<String, AttributeValue> before = item(iid);
        HttpResponse down = new SetupVoiceHandler(aws.unreachableServices())
                .respond(event(iid, caller.bearer(), retellBody("key_" + "x".repeat(16))));
        assertEquals(503, down.status());
        assertEquals("1", down.headers().get("retry-after"));
        assertEquals(before, item(iid));

        // DynamoDB failing exactly at the write, after KMS sealed the new bundle: still nothing changed.
        AtomicInteger writes = new AtomicInteger();
        Services writeFails = aws.services(aws.settings(), (operation, request, proceed) -> {
            if (operation.equals("updateItem")) {
                writes.incrementAndGet();
                throw SdkClientException.create("injected: connection reset");
            }
            return proceed.call();
        });
        HttpResponse r =
                new SetupVoiceHandler(writeFails).respond(event(iid, caller.bearer(), retellBody(random("key_"))));
        assertEquals(503, r.status());
        assertEquals(1, writes.get());
        assertEquals(before, item(iid));
        assertEquals(Map.of("api_key", apiKey), storedCredentials(iid));
    }

    @Test
    void aConcurrentChangeIsReReadAndRetriedOnceThen409() throws Exception {
        String iid = aws.registerInstance(caller);
        assertEquals(200, post(iid, retellBody(random("key_"))).status());
        String table = aws.resources().tableName();
        // Another writer replaces the channel (new generation) just before each of our writes.
        AtomicInteger interference = new AtomicInteger();
        Services racing = aws.services(aws.settings(), (operation, request, proceed) -> {
            if (operation.equals("updateItem") && interference.getAndDecrement() > 0) {
                aws.dynamo()
                        .updateItem(u -> u.tableName(table)
                                .key(TableLayout.instanceKey(iid))
                                .updateExpression("SET #g = :g")
                                .expressionAttributeNames(Map.of("#g", "generation"))
                                .expressionAttributeValues(Map.of(
                                        ":g", TableLayout.s(UUID.randomUUID().toString()))));
            }
            return proceed.call();
        });
        SetupVoiceHandler h = new SetupVoiceHandler(racing);
        interference.set(1);
        String won = random("key_");
        HttpResponse once = h.respond(event(iid, caller.bearer(), retellBody(won)));
        assertEquals(200, once.status(), once.body());
        assertEquals(Map.of("api_key", won), storedCredentials(iid));

        interference.set(2);
        Map<String, AttributeValue> beforeLoss = item(iid);
        HttpResponse twice = h.respond(event(iid, caller.bearer(), retellBody(random("key_"))));
        assertEquals(409, twice.status());
        assertEquals("{\"detail\":\"Voice channel changed concurrently, retry\"}", twice.body());
        Map<String, AttributeValue> after = item(iid);
        assertArrayEquals(
                beforeLoss.get(TableLayout.SEALED_CREDENTIALS).b().asByteArray(),
                after.get(TableLayout.SEALED_CREDENTIALS).b().asByteArray());
        assertEquals(beforeLoss.get(TableLayout.UPDATED_AT), after.get(TableLayout.UPDATED_AT));
    }

    @Test
    void checksRunInOrderAuthThenPathThenTenancyThenBody() throws Exception {
        TestCaller other = aws.newCaller();
        String theirs = aws.registerInstance(other);
        String bad = "[not json";
        HttpResponse noKey = handler.respond(event("not-a-uuid", Map.of(), bad));
        assertEquals(401, noKey.status());
        assertEquals("{\"detail\":\"Not authenticated\"}", noKey.body());
        assertEquals("Bearer", noKey.headers().get("www-authenticate"));
        HttpResponse wrongKey = handler.respond(event("not-a-uuid", Map.of("x-api-key", "hk_nope"), bad));
        assertEquals(401, wrongKey.status());
        assertEquals("{\"detail\":\"Invalid API key\"}", wrongKey.body());
        HttpResponse badPath = handler.respond(event("not-a-uuid", caller.bearer(), bad));
        assertEquals(422, badPath.status());
        JsonNode d = json(badPath).path("detail");
        assertEquals(1, d.size());
        assertEquals(json("[\"path\",\"instance_id\"]"), d.get(0).path("loc"));
        assertEquals("uuid_parsing", d.get(0).path("type").asText());
        HttpResponse foreign = handler.respond(event(theirs, caller.bearer(), bad));
        HttpResponse missing = handler.respond(event(UUID.randomUUID().toString(), caller.bearer(), bad));
        assertEquals(404, foreign.status());
        assertEquals("{\"detail\":\"Instance not found\"}", foreign.body());
        assertEquals(foreign.body(), missing.body());
        // The other tenant's instance was not configured by the attempt.
        assertFalse(item(theirs).containsKey(TableLayout.PROVIDER));
        HttpResponse tooBig =
                handler.respond(event(theirs, caller.bearer(), "x".repeat(RequestLimits.MAX_BODY_BYTES + 1)));
        assertEquals(404, tooBig.status());
    }

    @Test
    void bodyOver64KiBIs413() throws Exception {
        String iid = aws.registerInstance(caller);
        String padded = retellBody("key_" + "k".repeat(16))
                .replace("}", ",\"pad\":\"" + "p".repeat(RequestLimits.MAX_BODY_BYTES) + "\"}");
        HttpResponse r = post(iid, padded);
        assertEquals(413, r.status());
        assertEquals("{\"detail\":\"Request body too large\"}", r.body());
        assertFalse(item(iid).containsKey(TableLayout.PROVIDER));
        // A base64-encoded body is measured after decoding.
        ObjectNode e = ApiEvents.build(
                new ApiEvents.Request(
                        "POST",
                        "/v1/instances/" + iid + "/channels/voice",
                        "",
                        List.of(
                                Map.entry("authorization", "Bearer " + caller.apiKey()),
                                Map.entry("content-type", "application/octet-stream")),
                        padded.getBytes(StandardCharsets.UTF_8),
                        "127.0.0.1:3000",
                        "127.0.0.1"),
                ROUTE,
                Map.of("instance_id", iid));
        assertTrue(e.path("isBase64Encoded").asBoolean());
        assertEquals(413, handler.respond(e).status());
    }

    @Test
    void aBodyThatIsNotJsonByContentTypeIs415() throws Exception {
        String iid = aws.registerInstance(caller);
        for (String ct : List.of("text/plain", "application/x-www-form-urlencoded", "application/xml")) {
            Map<String, String> headers = new HashMap<>(caller.bearer());
            headers.put("content-type", ct);
            HttpResponse r = handler.respond(event(iid, headers, retellBody("key_" + "k".repeat(16))));
            assertEquals(415, r.status(), ct);
            assertEquals("{\"detail\":\"Content-Type must be application/json\"}", r.body());
        }
        assertFalse(item(iid).containsKey(TableLayout.PROVIDER));
        Map<String, String> plusJson = new HashMap<>(caller.bearer());
        plusJson.put("content-type", "application/vnd.hydra+json; charset=utf-8");
        assertEquals(
                200,
                handler.respond(event(iid, plusJson, retellBody("key_" + "k".repeat(16))))
                        .status());
    }

    @Test
    void aBodyWithoutContentTypeIsReadAsJsonAndAnEmptyBodyIsAnEmptyObject() throws Exception {
        String iid = aws.registerInstance(caller);
        ObjectNode noType = ApiEvents.build(
                new ApiEvents.Request(
                        "POST",
                        "/v1/instances/" + iid + "/channels/voice",
                        "",
                        List.of(Map.entry("authorization", "Bearer " + caller.apiKey())),
                        unwired(retellBody("key_" + "k".repeat(16))).getBytes(StandardCharsets.UTF_8),
                        "127.0.0.1:3000",
                        "127.0.0.1"),
                ROUTE,
                Map.of("instance_id", iid));
        assertEquals(200, handler.respond(noType).status());
        String other = aws.registerInstance(caller);
        assert422(handler.respond(event(other, caller.bearer(), null)), """
                [{"loc":["body","api_key"],"msg":"Field required","type":"missing"},
                 {"loc":["body","agent_id"],"msg":"Field required","type":"missing"},
                 {"loc":["body","phone_number"],"msg":"Field required","type":"missing"}]""");
    }

    @Test
    void malformedJsonIsJsonInvalidAndANonObjectIsModelAttributesType() throws Exception {
        String iid = aws.registerInstance(caller);
        assert422(
                post(iid, "{\"api_key\": secret-value-here}"),
                "[{\"loc\":[\"body\",12],\"msg\":\"JSON decode error\",\"type\":\"json_invalid\"}]");
        assertFalse(post(iid, "{\"api_key\": secret-value-here}").body().contains("secret-value"));
        for (String notAnObject : List.of("[]", "\"retell\"", "42", "null", "true")) {
            assert422(
                    post(iid, notAnObject),
                    "[{\"loc\":[\"body\"],\"msg\":\"Input should be a valid dictionary or object "
                            + "to extract fields from\",\"type\":\"model_attributes_type\"}]");
        }
        assertFalse(item(iid).containsKey(TableLayout.PROVIDER));
    }

    @Test
    void eachFieldRuleIsA422AtItsFieldWithTheExactType() throws Exception {
        String iid = aws.registerInstance(caller);
        record Case(String field, Object value, String type, String msg) {}
        String e164 = "String should match pattern '^\\+[1-9][0-9]{6,14}$'";
        List<Case> cases = List.of(
                new Case("provider", "vapi", "literal_error", "Input should be 'retell' or 'pipecat'"),
                new Case("provider", 7, "literal_error", "Input should be 'retell' or 'pipecat'"),
                new Case("api_key", 12345, "string_type", "Input should be a valid string"),
                new Case("agent_id", true, "string_type", "Input should be a valid string"),
                new Case("phone_number", "415-555-0100", "string_pattern_mismatch", e164),
                new Case("twilio_phone_number", "+0123456789", "string_pattern_mismatch", e164),
                new Case(
                        "twilio_account_sid",
                        "AC123",
                        "string_pattern_mismatch",
                        "String should match pattern '^AC[0-9a-fA-F]{32}$'"),
                new Case(
                        "webhook_secret",
                        "short-secret",
                        "string_too_short",
                        "String should have at least 16 characters"),
                new Case(
                        "openai_api_key",
                        "k".repeat(4097),
                        "string_too_long",
                        "String should have at most 4096 characters"),
                new Case(
                        "deepgram_api_key",
                        "bad\u0007key",
                        "value_error",
                        "Value error, String should not contain control characters"));
        for (Case c : cases) {
            ObjectNode b = (ObjectNode) json(retellBody("key_" + "k".repeat(16)));
            if (c.value() instanceof Integer i) {
                b.put(c.field(), i);
            } else if (c.value() instanceof Boolean t) {
                b.put(c.field(), t);
            } else {
                b.put(c.field(), (String) c.value());
            }
            HttpResponse r = post(iid, b.toString());
            ObjectNode expected = Json.object();
            expected.putArray("loc").add("body").add(c.field());
            expected.put("msg", c.msg());
            expected.put("type", c.type());
            assertEquals(422, r.status(), c.toString());
            assertEquals(Json.MAPPER.createArrayNode().add(expected), json(r).path("detail"), c.toString());
            if (c.value() instanceof String s && s.length() > 3) {
                assertFalse(r.body().contains(s.length() > 40 ? s.substring(0, 40) : s), "msg echoes the value: " + c);
            }
        }
        assertFalse(item(iid).containsKey(TableLayout.PROVIDER));
    }

    @Test
    void everyProblemIsReportedInOne422AndNothingChanges() throws Exception {
        String iid = aws.registerInstance(caller);
        String apiKey = random("key_");
        assertEquals(200, post(iid, retellBody(apiKey)).status());
        Map<String, AttributeValue> before = item(iid);
        String secretish = random("whsec_");
        ObjectNode b = Json.object();
        b.put("provider", "pipecat");
        b.put("webhook_secret", secretish.substring(0, 10));
        b.put("twilio_phone_number", secretish);
        b.put("anthropic_api_key", 1);
        HttpResponse r = post(iid, b.toString());
        assert422(r, """
                [{"loc":["body","webhook_secret"],"msg":"String should have at least 16 characters","type":"string_too_short"},
                 {"loc":["body","twilio_phone_number"],"msg":"String should match pattern '^\\\\+[1-9][0-9]{6,14}$'","type":"string_pattern_mismatch"},
                 {"loc":["body","anthropic_api_key"],"msg":"Input should be a valid string","type":"string_type"},
                 {"loc":["body","twilio_account_sid"],"msg":"Field required","type":"missing"},
                 {"loc":["body","twilio_auth_token"],"msg":"Field required","type":"missing"},
                 {"loc":["body"],"msg":"At least one speech-to-text key is required: deepgram_api_key, openai_api_key or google_api_key","type":"missing"},
                 {"loc":["body"],"msg":"At least one text-to-speech key is required: cartesia_api_key, elevenlabs_api_key, openai_api_key or google_api_key","type":"missing"}]""");
        assertFalse(r.body().contains(secretish.substring(0, 10)));
        assertEquals(before, item(iid));
        assertEquals(Map.of("api_key", apiKey), storedCredentials(iid));
    }

    @Test
    void validationAppliesToTheMergedResult() throws Exception {
        String iid = aws.registerInstance(caller);
        assertEquals(200, post(iid, retellBody(random("key_"))).status());
        // Clearing a required field in a merge is refused; the stored key makes api_key present.
        assert422(
                post(iid, "{\"phone_number\":\"\"}"),
                "[{\"loc\":[\"body\",\"phone_number\"],\"msg\":\"Field required\",\"type\":\"missing\"}]");
        assertEquals(200, post(iid, "{}").status());
    }

    @Test
    void theEnvironmentTheTemplateDeclaresIsEnoughToRun() throws Exception {
        Map<String, String> env = aws.resources()
                .functionEnvironment(
                        CfnTemplate.load(ProjectPaths.template()),
                        "VoiceSetupFunction",
                        Map.of("PublicBaseUrl", "https://voice.example.com"));
        SetupVoiceHandler deployed = new SetupVoiceHandler(aws.services(Settings.of(env)));
        String iid = aws.registerInstance(caller);
        String apiKey = random("key_");
        HttpResponse r = deployed.respond(event(iid, caller.bearer(), retellBody(apiKey)));
        assertEquals(200, r.status(), r.body());
        assertEquals(
                "https://voice.example.com/v1/webhooks/voice/" + iid,
                json(r).path("webhook_url").asText());
        assertEquals(Map.of("api_key", apiKey), storedCredentials(iid));
    }

    @Test
    void sampleEventDrivesTheLambdaEntryPoint() throws Exception {
        String iid = aws.registerInstance(caller);
        ObjectNode sample = (ObjectNode)
                Json.MAPPER.readTree(Files.readAllBytes(ProjectPaths.root().resolve("events/voice-setup.json")));
        assertEquals(ROUTE, sample.path("routeKey").asText());
        ((ObjectNode) sample.path("headers")).put("authorization", "Bearer " + caller.apiKey());
        ((ObjectNode) sample.path("pathParameters")).put("instance_id", iid);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(Json.MAPPER.writeValueAsBytes(sample)), out, null);
        JsonNode response = Json.MAPPER.readTree(out.toByteArray());
        assertEquals(200, response.path("statusCode").asInt(), response.toString());
        JsonNode body = Json.MAPPER.readTree(response.path("body").asText());
        assertEquals("active", body.path("status").asText());
        assertEquals("retell", body.path("provider").asText());
        assertEquals(
                "https://voice.test.invalid/v1/webhooks/voice/" + iid,
                body.path("webhook_url").asText());
        assertFalse(response.path("isBase64Encoded").asBoolean());
        List<String> sampleSecrets = new ArrayList<>();
        Json.MAPPER.readTree(sample.path("body").asText()).properties().forEach(p -> {
            if (p.getKey().endsWith("api_key")) {
                sampleSecrets.add(p.getValue().asText());
            }
        });
        assertEquals(1, sampleSecrets.size());
        assertFalse(response.toString().contains(sampleSecrets.get(0)));
    }

    static String withLimit(String body, String limitJson) {
        return body.substring(0, body.length() - 1) + ",\"max_concurrent_calls\":" + limitJson + "}";
    }

    /** What GET answers for the instance (Voice Status serializes exactly this). */
    static JsonNode statusNow(String iid) throws Exception {
        return json(dev.hydracore.voice.core.channel.ChannelStatus.of(
                        aws.services().instances().find(iid).orElseThrow())
                .toJson());
    }

    @Test
    void maxConcurrentCallsIsSetKeptByNullOrOmissionAndRemovedByZero() throws Exception {
        String iid = aws.registerInstance(caller);
        String body = retellBody(random("key_"));
        HttpResponse set = post(iid, withLimit(body, "5"));
        assertEquals(200, set.status(), set.body());
        assertEquals(5, json(set).path("max_concurrent_calls").asInt());
        assertEquals("5", item(iid).get(TableLayout.MAX_CONCURRENT_CALLS).n());
        assertEquals(5, statusNow(iid).path("max_concurrent_calls").asInt());

        assertEquals(
                5,
                json(post(iid, "{\"agent_id\":\"agent_other\"}"))
                        .path("max_concurrent_calls")
                        .asInt(),
                "omitted keeps");
        assertEquals(
                5,
                json(post(iid, "{\"max_concurrent_calls\":null}"))
                        .path("max_concurrent_calls")
                        .asInt(),
                "null keeps");
        assertEquals(
                10000,
                json(post(iid, "{\"max_concurrent_calls\":10000}"))
                        .path("max_concurrent_calls")
                        .asInt());
        assertEquals(
                3,
                json(post(iid, "{\"max_concurrent_calls\":\"3\"}"))
                        .path("max_concurrent_calls")
                        .asInt(),
                "a string of digits, as pydantic's lax mode takes it");

        HttpResponse removed = post(iid, "{\"max_concurrent_calls\":0}");
        assertEquals(200, removed.status(), removed.body());
        assertTrue(json(removed).get("max_concurrent_calls").isNull(), removed.body());
        assertFalse(item(iid).containsKey(TableLayout.MAX_CONCURRENT_CALLS), "0 removes the stored limit");
        assertTrue(statusNow(iid).get("max_concurrent_calls").isNull());
        assertEquals("agent_other", item(iid).get(TableLayout.AGENT_ID).s(), "the other settings were merged as usual");
    }

    @Test
    void aBadMaxConcurrentCallsIs422AndChangesNothing() throws Exception {
        String iid = aws.registerInstance(caller);
        assertEquals(200, post(iid, withLimit(retellBody(random("key_")), "2")).status());
        Map<String, String> before = aws.snapshotOfEveryTable();
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put(
                "-1",
                "{\"loc\":[\"body\",\"max_concurrent_calls\"],\"msg\":\"Input should be greater than or equal to 0\",\"type\":\"greater_than_equal\"}");
        cases.put(
                "10001",
                "{\"loc\":[\"body\",\"max_concurrent_calls\"],\"msg\":\"Input should be less than or equal to 10000\",\"type\":\"less_than_equal\"}");
        cases.put(
                "\"many\"",
                "{\"loc\":[\"body\",\"max_concurrent_calls\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"type\":\"int_parsing\"}");
        cases.put(
                "2.5",
                "{\"loc\":[\"body\",\"max_concurrent_calls\"],\"msg\":\"Input should be a valid integer, got a number with a fractional part\",\"type\":\"int_from_float\"}");
        cases.put(
                "[3]",
                "{\"loc\":[\"body\",\"max_concurrent_calls\"],\"msg\":\"Input should be a valid integer\",\"type\":\"int_type\"}");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            assert422(post(iid, "{\"max_concurrent_calls\":" + c.getKey() + "}"), "[" + c.getValue() + "]");
        }
        assertEquals(before, aws.snapshotOfEveryTable(), "nothing changed");
    }

    @Test
    void theLimitOutlivesAProviderChangeAndATeardownRemovesIt() throws Exception {
        String iid = aws.registerInstance(caller);
        assertEquals(200, post(iid, withLimit(retellBody(random("key_")), "4")).status());
        HttpResponse pipecat = post(
                iid,
                pipecatBody(Map.of(
                                "twilio_auth_token",
                                random("tok_"),
                                "webhook_secret",
                                random("whs_"),
                                "openai_api_key",
                                random("sk_")))
                        .toString());
        assertEquals(200, pipecat.status(), pipecat.body());
        assertEquals(4, json(pipecat).path("max_concurrent_calls").asInt(), "the channel's limit, not the provider's");
        aws.services().channels().remove(iid, channel(iid).generation());
        assertFalse(item(iid).containsKey(TableLayout.MAX_CONCURRENT_CALLS), "removed with the channel");
        assertTrue(
                json(post(iid, retellBody(random("key_"))))
                        .get("max_concurrent_calls")
                        .isNull(),
                "a new channel starts unlimited");
    }
}
