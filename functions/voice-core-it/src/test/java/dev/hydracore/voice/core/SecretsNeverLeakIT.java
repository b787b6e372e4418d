package dev.hydracore.voice.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.channel.VoiceField;
import dev.hydracore.voice.core.http.ApiHandler;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.http.RequestLimits;
import dev.hydracore.voice.core.store.TableLayout;
import dev.hydracore.voice.setup.SetupVoiceHandler;
import dev.hydracore.voice.teardown.TeardownVoiceHandler;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.tooling.ApiEvents;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Known, distinctive credential values go through setups, merges, rotations, failed setups and
 * teardowns; afterwards no table, log line or response holds any of them, whole or in part.
 */
class SecretsNeverLeakIT {
    static final String SETUP_ROUTE = "POST /v1/instances/{instance_id}/channels/voice";
    static final String TEARDOWN_ROUTE = "DELETE /v1/instances/{instance_id}/channels/voice";
    /** Any run of this many characters of a secret's random part counts as a leak. */
    static final int FRAGMENT = 10;

    static final SecureRandom RANDOM = new SecureRandom();
    static final String SID = "AC0123456789abcdef0123456789abcdef";

    static TestAws aws;
    static TestCaller caller;
    static final List<String> secrets = new ArrayList<>();

    @BeforeAll
    static void setUp() {
        aws = TestAws.shared();
        caller = aws.newCaller();
    }

    /** A value nobody else writes: a field tag and 24 random bytes in hex. */
    static synchronized String secret(String field) {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        String s = "Zx" + field.replace("_", "") + "-" + HexFormat.of().formatHex(b);
        secrets.add(s);
        return s;
    }

    /** Every credential field with a fresh secret, plus pipecat's clear settings. */
    static ObjectNode pipecatWithEveryCredential() {
        ObjectNode b = Json.object();
        b.put("provider", "pipecat");
        b.put("twilio_account_sid", SID);
        b.put("twilio_phone_number", "+14155550199");
        // Random credentials no provider account has: this test is about our own paths.
        b.put("provider_wiring", false);
        for (VoiceField f : VoiceField.credentials()) {
            b.put(f.wire(), secret(f.wire()));
        }
        return b;
    }

    static ObjectNode retell() {
        ObjectNode b = Json.object();
        b.put("api_key", secret("api_key"));
        b.put("agent_id", "agent_leak_test");
        b.put("phone_number", "+14155550100");
        b.put("provider_wiring", false);
        return b;
    }

    static HttpResponse post(ApiHandler h, String iid, String body, Map<String, String> extraHeaders) {
        Map<String, String> headers = new HashMap<>(caller.bearer());
        headers.putAll(extraHeaders);
        return h.respond(ApiEvents.of(
                "POST",
                "/v1/instances/" + iid + "/channels/voice",
                SETUP_ROUTE,
                Map.of("instance_id", iid),
                headers,
                body));
    }

    static HttpResponse post(ApiHandler h, String iid, String body) {
        return post(h, iid, body, Map.of());
    }

    static HttpResponse delete(ApiHandler h, String iid) {
        return h.respond(ApiEvents.of(
                "DELETE",
                "/v1/instances/" + iid + "/channels/voice",
                TEARDOWN_ROUTE,
                Map.of("instance_id", iid),
                caller.bearer(),
                null));
    }

    /** The secrets (or fragments of them) found in the text, for the failure message: names only. */
    static List<String> leaksIn(String text) {
        List<String> found = new ArrayList<>();
        for (String s : secrets) {
            String random = s.substring(s.indexOf('-') + 1);
            if (text.contains(s)
                    || text.contains(Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)))
                    || text.contains(HexFormat.of().formatHex(s.getBytes(StandardCharsets.UTF_8)))) {
                found.add(s.substring(0, s.indexOf('-')) + " (whole)");
                continue;
            }
            for (int i = 0; i + FRAGMENT <= random.length(); i++) {
                if (text.contains(random.substring(i, i + FRAGMENT))) {
                    found.add(s.substring(0, s.indexOf('-')) + " (fragment)");
                    break;
                }
            }
        }
        return found;
    }

    /** An item's text, every binary attribute's bytes, and anything in it that decodes as base64. */
    static List<String> leaksInItem(Map<String, AttributeValue> item) {
        List<String> found = new ArrayList<>(leaksIn(item.toString()));
        for (AttributeValue v : item.values()) {
            List<SdkBytes> binaries = new ArrayList<>();
            if (v.b() != null) {
                binaries.add(v.b());
            }
            if (v.hasBs()) {
                binaries.addAll(v.bs());
            }
            for (SdkBytes b : binaries) {
                found.addAll(leaksIn(new String(b.asByteArray(), StandardCharsets.ISO_8859_1)));
                found.addAll(leaksIn(Base64.getEncoder().encodeToString(b.asByteArray())));
            }
            List<String> strings = new ArrayList<>();
            if (v.s() != null) {
                strings.add(v.s());
            }
            if (v.hasSs()) {
                strings.addAll(v.ss());
            }
            for (String s : strings) {
                try {
                    found.addAll(
                            leaksIn(new String(Base64.getDecoder().decode(s.strip()), StandardCharsets.ISO_8859_1)));
                } catch (IllegalArgumentException notBase64) {
                    // plain text, already checked through toString()
                }
            }
        }
        return found;
    }

    @Test
    void theLeakDetectorFindsWholeEncodedAndPartialSecrets() {
        String s = secret("probe");
        String random = s.substring(s.indexOf('-') + 1);
        assertFalse(leaksIn("prefix " + s + " suffix").isEmpty());
        assertFalse(leaksIn("x" + random.substring(5, 5 + FRAGMENT) + "y").isEmpty());
        assertFalse(leaksInItem(Map.of("b", AttributeValue.fromB(SdkBytes.fromUtf8String("..." + s))))
                .isEmpty());
        assertFalse(leaksInItem(Map.of(
                        "s",
                        AttributeValue.fromS(Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)))))
                .isEmpty());
        assertTrue(leaksIn("nothing here " + UUID.randomUUID()).isEmpty());
        secrets.remove(s);
    }

    @Test
    void noTableHoldsACredentialInClear() {
        SetupVoiceHandler setup = new SetupVoiceHandler(aws.services());
        List<String> configured = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String iid = aws.registerInstance(caller);
            assertEquals(200, post(setup, iid, retell().toString()).status());
            configured.add(iid);
            String p = aws.registerInstance(caller);
            assertEquals(
                    200, post(setup, p, pipecatWithEveryCredential().toString()).status());
            // A rotation, and a merge that carries the other keys over through a decrypt.
            assertEquals(
                    200,
                    post(setup, p, "{\"provider\":\"pipecat\",\"openai_api_key\":\"" + secret("openai_api_key") + "\"}")
                            .status());
            assertEquals(
                    200,
                    post(setup, p, "{\"provider\":\"pipecat\",\"google_api_key\":\"\"}")
                            .status());
            configured.add(p);
        }
        int items = 0;
        int sealed = 0;
        List<String> leaks = new ArrayList<>();
        for (String table : aws.dynamo().listTablesPaginator(l -> {}).tableNames()) {
            for (Map<String, AttributeValue> item :
                    aws.dynamo().scanPaginator(s -> s.tableName(table)).items()) {
                items++;
                if (item.containsKey(TableLayout.SEALED_CREDENTIALS)) {
                    sealed++;
                }
                leaks.addAll(leaksInItem(item));
            }
        }
        assertTrue(leaks.isEmpty(), "credentials stored in clear: " + leaks);
        assertTrue(sealed >= configured.size(), "the scan saw the sealed channels: " + sealed);
        assertTrue(items > sealed);
    }

    @Test
    void logsAndResponsesNeverCarryACredential() throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        List<HttpResponse> responses = new ArrayList<>();
        System.setOut(capture);
        System.setErr(capture);
        try {
            exercise(responses);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        String logs = captured.toString(StandardCharsets.UTF_8);
        // The run did log (so the capture worked): the outages and the unreadable bundle.
        assertTrue(logs.contains("dependency unavailable"), "no outage was logged");
        assertTrue(logs.contains("stored voice credentials unreadable"), "the unreadable bundle was not logged");
        assertTrue(leaksIn(logs).isEmpty(), "credentials in the logs: " + leaksIn(logs));
        for (HttpResponse r : responses) {
            String wire = r.status() + " " + r.headers() + " " + r.body();
            assertTrue(leaksIn(wire).isEmpty(), "credentials in a " + r.status() + " response: " + leaksIn(wire));
        }
        assertTrue(responses.size() >= 20);
    }

    private static void exercise(List<HttpResponse> responses) {
        Services services = aws.services();
        SetupVoiceHandler setup = new SetupVoiceHandler(services);
        TeardownVoiceHandler teardown = new TeardownVoiceHandler(services);
        String retellIid = aws.registerInstance(caller);
        String pipecatIid = aws.registerInstance(caller);

        // Successful setups, a merge and a rotation.
        responses.add(expect(200, post(setup, retellIid, retell().toString())));
        responses.add(
                expect(200, post(setup, pipecatIid, pipecatWithEveryCredential().toString())));
        responses.add(expect(
                200,
                post(
                        setup,
                        pipecatIid,
                        "{\"provider\":\"pipecat\",\"deepgram_api_key\":\"" + secret("deepgram_api_key") + "\"}")));
        responses.add(expect(200, post(setup, retellIid, "{\"agent_id\":\"agent_rotated\"}")));

        // Failed setups, each carrying secrets in the request.
        ObjectNode invalid = pipecatWithEveryCredential();
        invalid.put("webhook_secret", secret("webhook_secret").substring(0, 15));
        invalid.put("twilio_phone_number", secret("twilio_phone_number"));
        invalid.put("twilio_account_sid", secret("twilio_account_sid"));
        invalid.put("openai_api_key", secret("openai_api_key") + "\n");
        invalid.put("anthropic_api_key", secret("anthropic_api_key").repeat(120));
        responses.add(expect(422, post(setup, pipecatIid, invalid.toString())));
        responses.add(expect(422, post(setup, pipecatIid, "{\"provider\":\"" + secret("provider") + "\"}")));
        responses.add(expect(422, post(setup, pipecatIid, "{\"api_key\": " + secret("api_key") + "}")));
        responses.add(expect(422, post(setup, pipecatIid, "[\"" + secret("api_key") + "\"]")));
        responses.add(expect(
                413,
                post(
                        setup,
                        pipecatIid,
                        "{\"api_key\":\"" + secret("api_key") + "\",\"pad\":\""
                                + "p".repeat(RequestLimits.MAX_BODY_BYTES) + "\"}")));
        responses.add(expect(415, post(setup, pipecatIid, retell().toString(), Map.of("content-type", "text/plain"))));
        responses.add(expect(
                401,
                setup.respond(ApiEvents.of(
                        "POST",
                        "/v1/instances/" + pipecatIid + "/channels/voice",
                        SETUP_ROUTE,
                        Map.of("instance_id", pipecatIid),
                        Map.of("authorization", "Bearer " + secret("api_key")),
                        retell().toString()))));
        responses.add(expect(
                503,
                post(
                        new SetupVoiceHandler(aws.kmsUnreachableServices()),
                        pipecatIid,
                        pipecatWithEveryCredential().toString())));
        responses.add(expect(
                503, post(new SetupVoiceHandler(aws.kmsUnreachableServices()), retellIid, "{\"agent_id\":\"a2\"}")));
        Services writeFails = aws.services(aws.settings(), (operation, request, proceed) -> {
            if (operation.equals("updateItem")) {
                throw SdkClientException.create("injected: connection reset");
            }
            return proceed.call();
        });
        responses.add(expect(503, post(new SetupVoiceHandler(writeFails), retellIid, retell().toString())));
        responses.add(
                expect(503, post(new SetupVoiceHandler(aws.unreachableServices()), retellIid, retell().toString())));
        Services racing = aws.services(aws.settings(), (operation, request, proceed) -> {
            if (operation.equals("updateItem")) {
                aws.dynamo()
                        .updateItem(u -> u.tableName(aws.resources().tableName())
                                .key(TableLayout.instanceKey(retellIid))
                                .updateExpression("SET #g = :g")
                                .expressionAttributeNames(Map.of("#g", TableLayout.GENERATION))
                                .expressionAttributeValues(Map.of(
                                        ":g", TableLayout.s(UUID.randomUUID().toString()))));
            }
            return proceed.call();
        });
        responses.add(expect(409, post(new SetupVoiceHandler(racing), retellIid, retell().toString())));

        // A bundle moved from another instance: unreadable on merge (409), logged without values.
        Map<String, AttributeValue> donor = aws.dynamo()
                .getItem(g -> g.tableName(aws.resources().tableName())
                        .key(TableLayout.instanceKey(pipecatIid))
                        .consistentRead(true))
                .item();
        aws.dynamo()
                .updateItem(u -> u.tableName(aws.resources().tableName())
                        .key(TableLayout.instanceKey(retellIid))
                        .updateExpression("SET data_key = :k, sealed_credentials = :c")
                        .expressionAttributeValues(Map.of(
                                ":k",
                                donor.get(TableLayout.DATA_KEY),
                                ":c",
                                donor.get(TableLayout.SEALED_CREDENTIALS))));
        responses.add(expect(409, post(setup, retellIid, "{\"agent_id\":\"a3\"}")));
        assertThrows(
                Exception.class,
                () -> aws.services()
                        .vault()
                        .open(
                                retellIid,
                                aws.services()
                                        .instances()
                                        .find(retellIid)
                                        .orElseThrow()
                                        .channel()
                                        .orElseThrow()
                                        .sealed()));

        // Teardowns: one whose channel removal fails, the retry (the DELETE no longer purges inline, so
        // a failure leaves the channel and the retry removes it), a normal one, and one too many.
        Services deletesFail = aws.services(aws.settings(), (operation, request, proceed) -> {
            if (operation.equals("updateItem")) {
                throw SdkClientException.create("injected: timeout");
            }
            return proceed.call();
        });
        responses.add(expect(503, delete(new TeardownVoiceHandler(deletesFail), pipecatIid)));
        responses.add(expect(204, delete(teardown, pipecatIid)));
        responses.add(expect(404, delete(teardown, pipecatIid)));
        responses.add(expect(204, delete(teardown, retellIid)));
        responses.add(expect(404, delete(teardown, retellIid)));
        responses.add(expect(503, delete(new TeardownVoiceHandler(aws.unreachableServices()), retellIid)));
    }

    private static HttpResponse expect(int status, HttpResponse r) {
        assertEquals(
                status, r.status(), () -> "status " + r.status() + " (body withheld: it may be the leak under test)");
        return r;
    }
}
