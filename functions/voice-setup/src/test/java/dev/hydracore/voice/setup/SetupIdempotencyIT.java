package dev.hydracore.voice.setup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.aws.AwsClients;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.store.TableLayout;
import dev.hydracore.voice.testkit.DynamoInterceptor;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.testkit.TestClock;
import dev.hydracore.voice.tooling.ApiEvents;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/** Setup's Idempotency-Key against the emulator: replay, reuse, races, failures, expiry, tenants. */
class SetupIdempotencyIT {
    static final String ROUTE = "POST /v1/instances/{instance_id}/channels/voice";
    static final Set<String> READS = Set.of("getItem", "batchGetItem", "query");
    static TestAws aws;
    static SetupVoiceHandler handler;
    static TestCaller caller;

    @BeforeAll
    static void setUp() {
        aws = TestAws.shared();
        handler = new SetupVoiceHandler(aws.services());
        caller = aws.newCaller();
    }

    static HttpResponse post(SetupVoiceHandler h, TestCaller who, String iid, String key, String body) {
        Map<String, String> headers = new HashMap<>(who.bearer());
        if (key != null) {
            headers.put("Idempotency-Key", key);
        }
        ObjectNode event = ApiEvents.of(
                "POST",
                "/v1/instances/" + iid + "/channels/voice",
                ROUTE,
                Map.of("instance_id", iid),
                headers,
                SetupVoiceHandlerIT.unwired(body));
        return h.respond(event);
    }

    static HttpResponse post(String iid, String key, String body) {
        return post(handler, caller, iid, key, body);
    }

    static String retell(String apiKey) {
        return "{\"api_key\":\"" + apiKey + "\",\"agent_id\":\"agent_abc\",\"phone_number\":\"+14155550100\"}";
    }

    static String key() {
        return "retry-" + UUID.randomUUID();
    }

    static JsonNode json(String s) throws Exception {
        return Json.MAPPER.readTree(s);
    }

    /** Services on the emulator whose DynamoDB calls are recorded (and may be held up) and whose KMS, if asked, refuses connections. */
    static Services services(ConcurrentLinkedQueue<String> operations, boolean kms, DynamoInterceptor.Around also)
            throws Exception {
        var local = aws.aws();
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        AwsClients dead = new AwsClients(local.region(), URI.create("http://127.0.0.1:" + closed), local.credentials());
        DynamoDbClient recorded = DynamoInterceptor.wrap(aws.dynamo(), (op, request, proceed) -> {
            operations.add(op);
            return also == null ? proceed.call() : also.call(op, request, proceed);
        });
        AwsClients split = new AwsClients(local.region(), local.endpoint(), local.credentials()) {
            @Override
            public synchronized DynamoDbClient dynamo() {
                return recorded;
            }

            @Override
            public synchronized software.amazon.awssdk.services.kms.KmsClient kms() {
                return kms ? super.kms() : dead.kms();
            }
        };
        return new Services(aws.settings(), split, java.time.Clock.systemUTC());
    }

    @Test
    void aRetryWithTheSameKeyAndBodyReplaysTheFirstAnswerWithOnlyReads() throws Exception {
        String iid = aws.registerInstance(caller);
        String key = key();
        String body = retell("key_" + UUID.randomUUID());
        HttpResponse first = post(iid, key, body);
        assertEquals(200, first.status(), first.body());
        assertFalse(first.headers().containsKey("idempotent-replayed"));
        Map<String, String> before = aws.snapshotOfEveryTable();

        // A fresh execution environment (no cache) whose KMS is unreachable: any KMS call would be a 503.
        ConcurrentLinkedQueue<String> operations = new ConcurrentLinkedQueue<>();
        HttpResponse replay = post(new SetupVoiceHandler(services(operations, false, null)), caller, iid, key, body);
        assertEquals(first.status(), replay.status(), replay.body());
        assertEquals(first.body(), replay.body());
        assertEquals("application/json", replay.headers().get("content-type"));
        assertEquals("true", replay.headers().get("idempotent-replayed"));
        assertFalse(operations.isEmpty());
        assertTrue(READS.containsAll(operations), "only reads: " + operations);
        assertEquals(before, aws.snapshotOfEveryTable(), "nothing written");

        // Replayed even after the channel changed: the first answer, not the present state.
        assertEquals(200, post(iid, null, "{\"agent_id\":\"agent_new\"}").status());
        assertEquals(first.body(), post(iid, key, body).body());
    }

    @Test
    void theSameKeyWithAnotherBodyOrInstanceIs422AndChangesNothing() throws Exception {
        String iid = aws.registerInstance(caller);
        String key = key();
        assertEquals(200, post(iid, key, retell("key_" + UUID.randomUUID())).status());
        String otherInstance = aws.registerInstance(caller);
        Map<String, String> before = aws.snapshotOfEveryTable();
        String reused = "{\"detail\":[{\"loc\":[\"header\",\"idempotency-key\"],"
                + "\"msg\":\"Value error, this Idempotency-Key was already used with a different request\",\"type\":\"value_error\"}]}";
        HttpResponse other = post(iid, key, retell("key_" + UUID.randomUUID()));
        assertEquals(422, other.status());
        assertEquals(json(reused), json(other.body()));
        assertEquals(
                json(reused),
                json(post(otherInstance, key, retell("key_x_0123456789abcdef")).body()),
                "the key is the tenant's; the request it names includes the instance");
        assertEquals(before, aws.snapshotOfEveryTable(), "nothing changed");
    }

    @Test
    void keysArePerTenantAndStoredOnlyHashed() throws Exception {
        TestCaller other = aws.newCaller();
        String key = key();
        String mine = aws.registerInstance(caller);
        String theirs = aws.registerInstance(other);
        String apiKey = "key_" + UUID.randomUUID();
        Set<String> earlier = idempotencyRecords().keySet();
        assertEquals(200, post(mine, key, retell(apiKey)).status());
        HttpResponse r = post(handler, other, theirs, key, retell(apiKey));
        assertEquals(200, r.status(), "another tenant's key of the same name is another key: " + r.body());
        assertFalse(r.headers().containsKey("idempotent-replayed"));
        String everything = aws.snapshotOfEveryTable().toString();
        assertFalse(everything.contains(key), "the key is stored only hashed");
        assertFalse(everything.contains(apiKey), "the body is stored only as a fingerprint");
        Map<String, Map<String, AttributeValue>> added = new HashMap<>(idempotencyRecords());
        added.keySet().removeAll(earlier);
        assertEquals(2, added.size(), "one record per tenant");
        long inADay = Instant.now().plus(Duration.ofHours(24)).getEpochSecond();
        for (Map<String, AttributeValue> item : added.values()) {
            long expires = Long.parseLong(item.get(TableLayout.EXPIRES_AT).n());
            assertTrue(
                    expires <= inADay + 1 && expires > inADay - 3600,
                    "a TTL of 24 hours: " + expires + " vs " + inADay);
        }
    }

    static Map<String, Map<String, AttributeValue>> idempotencyRecords() {
        Map<String, Map<String, AttributeValue>> out = new HashMap<>();
        aws.dynamo()
                .scanPaginator(s -> s.tableName(aws.resources().tableName())
                        .consistentRead(true)
                        .filterExpression("begins_with(pk, :p)")
                        .expressionAttributeValues(Map.of(":p", TableLayout.s(TableLayout.IDEMPOTENCY_PREFIX))))
                .items()
                .forEach(i -> out.put(i.get(TableLayout.PK).s(), i));
        return out;
    }

    @Test
    void aRetryRacingTheFirstRequestWaitsForItsAnswerAndNothingIsWrittenTwice() throws Exception {
        String iid = aws.registerInstance(caller);
        String key = key();
        String body = retell("key_" + UUID.randomUUID());
        CountDownLatch saving = new CountDownLatch(1);
        ConcurrentLinkedQueue<String> operations = new ConcurrentLinkedQueue<>();
        Services slow = services(operations, true, (op, request, proceed) -> {
            if (request instanceof UpdateItemRequest u && u.key().equals(TableLayout.instanceKey(iid))) {
                saving.countDown();
                Thread.sleep(1500); // the channel write of the first request takes a while
            }
            return proceed.call();
        });
        ConcurrentLinkedQueue<String> retryOps = new ConcurrentLinkedQueue<>();
        SetupVoiceHandler retryHandler = new SetupVoiceHandler(services(retryOps, true, null));
        CompletableFuture<HttpResponse> first =
                CompletableFuture.supplyAsync(() -> post(new SetupVoiceHandler(slow), caller, iid, key, body));
        assertTrue(saving.await(30, TimeUnit.SECONDS));
        HttpResponse retry = post(retryHandler, caller, iid, key, body);
        HttpResponse answer = first.get(30, TimeUnit.SECONDS);
        assertEquals(200, answer.status(), answer.body());
        assertEquals(answer.body(), retry.body());
        assertEquals("true", retry.headers().get("idempotent-replayed"));
        assertTrue(READS.containsAll(retryOps), "the racing retry only read: " + retryOps);
        assertEquals(
                1,
                operations.stream().filter("updateItem"::equals).count() - 1,
                "one channel write, one completion: " + operations);
    }

    @Test
    void aRetryStillRacingAfterTheWaitGets409AndTheFirstAnswerIsKept() throws Exception {
        String iid = aws.registerInstance(caller);
        String key = key();
        String body = retell("key_" + UUID.randomUUID());
        CountDownLatch saving = new CountDownLatch(1);
        Services stuck = services(new ConcurrentLinkedQueue<>(), true, (op, request, proceed) -> {
            if (request instanceof UpdateItemRequest u && u.key().equals(TableLayout.instanceKey(iid))) {
                saving.countDown();
                Thread.sleep(7000); // longer than a retry waits
            }
            return proceed.call();
        });
        CompletableFuture<HttpResponse> first =
                CompletableFuture.supplyAsync(() -> post(new SetupVoiceHandler(stuck), caller, iid, key, body));
        assertTrue(saving.await(30, TimeUnit.SECONDS));
        ConcurrentLinkedQueue<String> retryOps = new ConcurrentLinkedQueue<>();
        long started = System.nanoTime();
        HttpResponse retry = post(new SetupVoiceHandler(services(retryOps, true, null)), caller, iid, key, body);
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertEquals(409, retry.status(), retry.body());
        assertEquals(
                json("{\"detail\":\"A request with this Idempotency-Key is still in progress; retry later\"}"),
                json(retry.body()));
        assertTrue(READS.containsAll(retryOps), "the refused retry only read: " + retryOps);
        System.out.println("idempotent retry waited " + waitedMs + " ms before 409");
        HttpResponse answer = first.get(30, TimeUnit.SECONDS);
        assertEquals(200, answer.status());
        assertEquals(answer.body(), post(iid, key, body).body(), "then the retry replays");
    }

    @Test
    void aFailedFirstRequestDoesNotPoisonTheKey() throws Exception {
        String iid = aws.registerInstance(caller);
        String key = key();
        String body = retell("key_" + UUID.randomUUID());
        HttpResponse outage = post(
                new SetupVoiceHandler(services(new ConcurrentLinkedQueue<>(), false, null)), caller, iid, key, body);
        assertEquals(503, outage.status(), outage.body());
        assertTrue(aws.services().instances().find(iid).orElseThrow().channel().isEmpty(), "nothing configured");
        HttpResponse retry = post(iid, key, body);
        assertEquals(200, retry.status(), retry.body());
        assertFalse(retry.headers().containsKey("idempotent-replayed"), "the retry ran: the failure was not stored");
        assertTrue(aws.services().instances().find(iid).orElseThrow().channel().isPresent());
    }

    @Test
    void errorAnswersAreNotStoredSoTheKeyServesACorrectedRequest() throws Exception {
        String iid = aws.registerInstance(caller);
        String key = key();
        HttpResponse missing = post(iid, key, "{\"api_key\":\"k\"}");
        assertEquals(422, missing.status());
        assertEquals(missing.body(), post(iid, key, "{\"api_key\":\"k\"}").body(), "the same 422, decided again");
        HttpResponse fixed = post(iid, key, retell("key_" + UUID.randomUUID()));
        assertEquals(
                200,
                fixed.status(),
                "a 4xx is not replayed (only successes are), so the key takes the corrected body: " + fixed.body());
    }

    @Test
    void aKeyExpiresAfter24Hours() throws Exception {
        String iid = aws.registerInstance(caller);
        String key = key();
        TestClock clock = new TestClock(Instant.now());
        SetupVoiceHandler timed = new SetupVoiceHandler(aws.services(aws.settings(), clock));
        assertEquals(
                200,
                post(timed, caller, iid, key, retell("key_1_" + UUID.randomUUID()))
                        .status());
        clock.advance(Duration.ofHours(23));
        assertEquals(
                422,
                post(timed, caller, iid, key, retell("key_2_" + UUID.randomUUID()))
                        .status(),
                "still remembered");
        clock.advance(Duration.ofHours(1).plusSeconds(1));
        HttpResponse later = post(timed, caller, iid, key, retell("key_3_" + UUID.randomUUID()));
        assertEquals(200, later.status(), "expired (TTL not yet reaped): a new request " + later.body());
        assertNotEquals("true", later.headers().get("idempotent-replayed"));
    }

    @Test
    void aBadHeaderIs422AtTheHeaderWithTheBodysProblemsAndChangesNothing() throws Exception {
        String iid = aws.registerInstance(caller);
        Map<String, String> before = aws.snapshotOfEveryTable();
        HttpResponse tooLong = post(iid, "k".repeat(256), retell("key_x_0123456789abcdef"));
        assertEquals(
                json(
                        "{\"detail\":[{\"loc\":[\"header\",\"idempotency-key\"],\"msg\":\"String should have at most 255 characters\","
                                + "\"type\":\"string_too_long\"}]}"),
                json(tooLong.body()));
        HttpResponse both =
                post(iid, "caf\u00e9", "{\"api_key\":7,\"agent_id\":\"a\",\"phone_number\":\"+14155550100\"}");
        assertEquals(422, both.status());
        assertEquals(
                json(
                        "{\"detail\":[{\"loc\":[\"header\",\"idempotency-key\"],\"msg\":\"String should match pattern '^[\\\\x20-\\\\x7E]{1,255}$'\","
                                + "\"type\":\"string_pattern_mismatch\"},{\"loc\":[\"body\",\"api_key\"],\"msg\":\"Input should be a valid string\","
                                + "\"type\":\"string_type\"}]}"),
                json(both.body()));
        assertEquals(422, post(iid, "", retell("key_x_0123456789abcdef")).status());
        assertEquals(before, aws.snapshotOfEveryTable());
        assertEquals(
                200,
                post(iid, "k".repeat(255), retell("key_x_0123456789abcdef")).status(),
                "255 printable characters are a key");
    }
}
