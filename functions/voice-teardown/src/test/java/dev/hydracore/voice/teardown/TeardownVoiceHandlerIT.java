package dev.hydracore.voice.teardown;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.calls.CallRecord;
import dev.hydracore.voice.core.calls.CallState;
import dev.hydracore.voice.core.channel.ChannelStatus;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.store.CallItems;
import dev.hydracore.voice.core.store.CallRecordPurge;
import dev.hydracore.voice.core.store.PurgeJobs;
import dev.hydracore.voice.core.store.RetryLaterException;
import dev.hydracore.voice.core.store.TableLayout;
import dev.hydracore.voice.core.store.WriteToken;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.testkit.TestChannels;
import dev.hydracore.voice.tooling.ApiEvents;
import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/** DELETE /v1/instances/{instance_id}/channels/voice against the emulator: every branch of the contract. */
class TeardownVoiceHandlerIT {
    static final String ROUTE = "DELETE /v1/instances/{instance_id}/channels/voice";
    /**
     * What a registration is, without a channel (active_since 0: its place in the active-calls index;
     * write_token: the registering write's identity).
     */
    static final Set<String> REGISTRATION_ATTRIBUTES = Set.of(
            WriteToken.ATTRIBUTE,
            TableLayout.PK,
            TableLayout.SK,
            TableLayout.INSTANCE_ID,
            TableLayout.TENANT_ID,
            TableLayout.REGISTERED_AT,
            TableLayout.GSI1_PK,
            TableLayout.GSI1_SK,
            TableLayout.ACTIVE_SINCE);

    static TestAws aws;
    static String table;
    static TeardownVoiceHandler handler;
    static TestChannels channels;
    static TestCaller caller;

    @BeforeAll
    static void setUp() {
        aws = TestAws.shared();
        table = aws.resources().tableName();
        handler = new TeardownVoiceHandler(aws.services());
        channels = new TestChannels(aws);
        caller = aws.newCaller();
    }

    static ObjectNode event(String instanceId, Map<String, String> headers) {
        return ApiEvents.of(
                "DELETE",
                "/v1/instances/" + instanceId + "/channels/voice",
                ROUTE,
                Map.of("instance_id", instanceId),
                headers,
                null);
    }

    static HttpResponse delete(TeardownVoiceHandler h, String instanceId) {
        return h.respond(event(instanceId, caller.bearer()));
    }

    /** Configures a retell channel as Setup Voice does (sealed, saved: the test kit's channels); returns the instance id. */
    static String configure(String iid) {
        assertEquals(
                iid, channels.retell(caller, iid, "key_" + UUID.randomUUID()).instanceId());
        return iid;
    }

    static String generation(String iid) {
        String g = TableLayout.str(item(iid), TableLayout.GENERATION);
        assertTrue(g != null && !g.isEmpty());
        return g;
    }

    /** Call records as the webhook writes them: active and ended, under the given generation. */
    static void putCalls(String iid, String generation, int count) {
        long now = System.currentTimeMillis();
        List<WriteRequest> puts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            boolean ended = i % 3 == 0;
            CallRecord c = new CallRecord(
                    iid,
                    "call_" + UUID.randomUUID(),
                    ended ? CallState.ENDED : CallState.IN_PROGRESS,
                    now - 60_000 + i,
                    "+1415555" + String.format("%04d", i),
                    i % 7,
                    generation,
                    1,
                    ended ? now : null,
                    now / 1000 + 3600);
            puts.add(WriteRequest.builder()
                    .putRequest(PutRequest.builder().item(CallItems.toItem(c)).build())
                    .build());
        }
        for (int i = 0; i < puts.size(); i += 25) {
            List<WriteRequest> chunk = puts.subList(i, Math.min(i + 25, puts.size()));
            BatchWriteItemResponse r = aws.dynamo().batchWriteItem(b -> b.requestItems(Map.of(table, chunk)));
            assertTrue(r.unprocessedItems().isEmpty());
        }
    }

    /** What the sweeper does every minute after a teardown, until no purge job is left. */
    static int purgeAsTheSweeperDoes(Services services) {
        int deleted = 0;
        for (int run = 0; run < 50; run++) {
            PurgeJobs.Result r = services.purgeJobs().work(Duration.ofSeconds(60));
            deleted += r.recordsDeleted();
            if (!r.jobsLeft()) {
                return deleted;
            }
        }
        throw new AssertionError("purge jobs still left after 50 runs");
    }

    static Map<String, AttributeValue> item(String iid) {
        return aws.dynamo()
                .getItem(g ->
                        g.tableName(table).key(TableLayout.instanceKey(iid)).consistentRead(true))
                .item();
    }

    /** Every item in every table of the emulator that mentions the instance anywhere. */
    static List<Map<String, AttributeValue>> everythingMentioning(String iid) {
        List<Map<String, AttributeValue>> found = new ArrayList<>();
        for (String t : aws.dynamo().listTablesPaginator(l -> {}).tableNames()) {
            aws.dynamo().scanPaginator(s -> s.tableName(t)).items().forEach(i -> {
                if (i.toString().contains(iid)) {
                    found.add(i);
                }
            });
        }
        return found;
    }

    static int callRecords(String iid) {
        return aws
                .dynamo()
                .queryPaginator(q -> q.tableName(table)
                        .consistentRead(true)
                        .keyConditionExpression("pk = :pk AND begins_with(sk, :c)")
                        .expressionAttributeValues(Map.of(
                                ":pk",
                                TableLayout.s(TableLayout.INSTANCE_PREFIX + iid),
                                ":c",
                                TableLayout.s(TableLayout.CALL_PREFIX))))
                .items()
                .stream()
                .mapToInt(i -> 1)
                .sum();
    }

    static void assertOnlyTheRegistrationRemains(String iid) {
        List<Map<String, AttributeValue>> left = everythingMentioning(iid);
        assertEquals(1, left.size(), "items left: " + left.size());
        Map<String, AttributeValue> registration = left.get(0);
        assertEquals(TableLayout.instanceKey(iid).get(TableLayout.PK), registration.get(TableLayout.PK));
        assertEquals("INSTANCE", registration.get(TableLayout.SK).s());
        assertEquals(REGISTRATION_ATTRIBUTES, registration.keySet());
        assertEquals(caller.tenantId(), registration.get(TableLayout.TENANT_ID).s());
        assertEquals(
                ChannelStatus.NOT_CONFIGURED,
                ChannelStatus.of(aws.services().instances().find(iid).orElseThrow())
                        .status());
    }

    @Test
    void teardownRemovesTheChannelAndEveryCallRecordAcrossManyPages() throws Exception {
        String iid = configure(aws.registerInstance(caller));
        String generation = generation(iid);
        putCalls(iid, generation, 65);
        putCalls(iid, "an-older-generation", 3);
        String neighbour = aws.registerInstance(caller);
        putCalls(configure(neighbour), generation(neighbour), 5);
        AtomicInteger queries = new AtomicInteger();
        AtomicInteger batches = new AtomicInteger();
        Services counted =
                aws.services(aws.settings().with(Settings.QUERY_PAGE_LIMIT, "10"), (operation, request, proceed) -> {
                    if (operation.equals("query")) {
                        queries.incrementAndGet();
                    } else if (operation.equals("batchWriteItem")) {
                        batches.incrementAndGet();
                        assertTrue(((BatchWriteItemRequest) request)
                                        .requestItems()
                                        .get(table)
                                        .size()
                                <= 25);
                    }
                    return proceed.call();
                });
        HttpResponse r = delete(new TeardownVoiceHandler(counted), iid);
        assertEquals(204, r.status());
        assertEquals("", r.body());
        assertFalse(r.headers().containsKey("content-type"));
        // The records are removed asynchronously: by the sweeper's purge of the job the teardown queued.
        assertEquals(0, queries.get(), "the DELETE reads no call record");
        assertEquals(0, batches.get(), "the DELETE deletes no call record");
        purgeAsTheSweeperDoes(counted);
        assertTrue(queries.get() >= 7, "68 records at 10 per page take at least 7 pages, read " + queries.get());
        assertTrue(batches.get() >= 7, "each page's deletes were sent: " + batches.get());
        assertEquals(0, callRecords(iid));
        assertOnlyTheRegistrationRemains(iid);
        assertEquals(
                "{\"active_calls\":0,\"enabled\":false,\"phone_number\":null,\"provider\":null,"
                        + "\"status\":\"not_configured\",\"webhook_url\":null,\"max_concurrent_calls\":null,\"provider_wiring\":null}",
                ChannelStatus.of(aws.services().instances().find(iid).orElseThrow())
                        .toJson());
        // The neighbour's channel and calls are untouched.
        assertEquals(5, callRecords(neighbour));
        assertEquals("retell", item(neighbour).get(TableLayout.PROVIDER).s());
        // A webhook racing the teardown writes under the old generation: that write now fails.
        CallRecord late = new CallRecord(
                iid,
                "call_late",
                CallState.RINGING,
                System.currentTimeMillis(),
                "+14155550000",
                0,
                generation,
                1,
                null,
                System.currentTimeMillis() / 1000 + 3600);
        assertThrows(
                TransactionCanceledException.class,
                () -> aws.dynamo()
                        .transactWriteItems(t -> t.transactItems(
                                TransactWriteItem.builder()
                                        .conditionCheck(ConditionCheck.builder()
                                                .tableName(table)
                                                .key(TableLayout.instanceKey(iid))
                                                .conditionExpression("#g = :g")
                                                .expressionAttributeNames(Map.of("#g", TableLayout.GENERATION))
                                                .expressionAttributeValues(Map.of(":g", TableLayout.s(generation)))
                                                .build())
                                        .build(),
                                TransactWriteItem.builder()
                                        .put(Put.builder()
                                                .tableName(table)
                                                .item(CallItems.toItem(late))
                                                .build())
                                        .build())));
        assertEquals(0, callRecords(iid));
    }

    @Test
    void aSecondTeardownAndAnInstanceWithoutChannelAre404() throws Exception {
        String iid = configure(aws.registerInstance(caller));
        assertEquals(204, delete(handler, iid).status());
        purgeAsTheSweeperDoes(aws.services());
        HttpResponse again = delete(handler, iid);
        assertEquals(404, again.status());
        assertEquals("application/json", again.headers().get("content-type"));
        assertEquals("{\"detail\":\"Voice channel not configured\"}", again.body());
        HttpResponse never = delete(handler, aws.registerInstance(caller));
        assertEquals(404, never.status());
        assertEquals("{\"detail\":\"Voice channel not configured\"}", never.body());
        assertOnlyTheRegistrationRemains(iid);
    }

    @Test
    void checksRunInOrderAuthThenPathThenTenancy() throws Exception {
        TestCaller other = aws.newCaller();
        String theirs = aws.registerInstance(other);
        HttpResponse noKey = handler.respond(event("nope", Map.of()));
        assertEquals(401, noKey.status());
        assertEquals("{\"detail\":\"Not authenticated\"}", noKey.body());
        assertEquals("Bearer", noKey.headers().get("www-authenticate"));
        HttpResponse badKey = handler.respond(event("nope", Map.of("authorization", "Bearer hk_unknown")));
        assertEquals(401, badKey.status());
        assertEquals("{\"detail\":\"Invalid API key\"}", badKey.body());
        HttpResponse badPath = delete(handler, "497f6eca-6276-4993-bfeb-53cbbbba6f0z");
        assertEquals(422, badPath.status());
        JsonNode d = Json.MAPPER.readTree(badPath.body()).path("detail");
        assertEquals(1, d.size());
        assertEquals(
                Json.MAPPER.readTree("[\"path\",\"instance_id\"]"), d.get(0).path("loc"));
        assertEquals("uuid_parsing", d.get(0).path("type").asText());
        // Another tenant's configured channel: the same 404 as a missing instance, and it stays.
        String configuredTheirs = theirs;
        assertEquals(theirs, channels.retell(other, theirs, "k").instanceId());
        HttpResponse foreign = delete(handler, configuredTheirs);
        HttpResponse missing = delete(handler, UUID.randomUUID().toString());
        assertEquals(404, foreign.status());
        assertEquals("{\"detail\":\"Instance not found\"}", foreign.body());
        assertEquals(foreign.body(), missing.body());
        assertEquals("retell", item(theirs).get(TableLayout.PROVIDER).s());
    }

    @Test
    void aPurgeInterruptedIsFinishedByTheNextRun() throws Exception {
        String iid = configure(aws.registerInstance(caller));
        putCalls(iid, generation(iid), 30);
        Services deletesFail = aws.services(aws.settings(), (operation, request, proceed) -> {
            if (operation.equals("batchWriteItem")) {
                throw SdkClientException.create("injected: connection reset");
            }
            return proceed.call();
        });
        assertEquals(204, delete(handler, iid).status());
        assertFalse(item(iid).containsKey(TableLayout.PROVIDER), "the channel went first");
        assertThrows(SdkClientException.class, () -> deletesFail.purgeJobs().work(Duration.ofSeconds(60)));
        assertEquals(30, callRecords(iid));
        // The client retrying the DELETE hears 404; the next sweeper run finishes the job.
        HttpResponse retry = delete(handler, iid);
        assertEquals(404, retry.status());
        purgeAsTheSweeperDoes(aws.services());
        assertEquals(0, callRecords(iid));
        assertOnlyTheRegistrationRemains(iid);
    }

    @Test
    void unprocessedDeletesAreRetried() throws Exception {
        String iid = configure(aws.registerInstance(caller));
        putCalls(iid, generation(iid), 40);
        List<Integer> batchSizes = new java.util.concurrent.CopyOnWriteArrayList<>();
        // DynamoDB under pressure: every batch of more than 5 deletes comes back with its last 5 unprocessed.
        Services throttled = aws.services(aws.settings(), (operation, request, proceed) -> {
            if (!operation.equals("batchWriteItem")) {
                return proceed.call();
            }
            List<WriteRequest> all =
                    ((BatchWriteItemRequest) request).requestItems().get(table);
            batchSizes.add(all.size());
            if (all.size() <= 5) {
                return proceed.call();
            }
            List<WriteRequest> done = all.subList(0, all.size() - 5);
            aws.dynamo().batchWriteItem(r -> r.requestItems(Map.of(table, done)));
            return BatchWriteItemResponse.builder()
                    .unprocessedItems(Map.of(table, all.subList(all.size() - 5, all.size())))
                    .build();
        });
        assertEquals(204, delete(handler, iid).status());
        purgeAsTheSweeperDoes(throttled);
        // 40 records: a chunk of 25 and one of 15, each followed by the retry of its 5 leftovers.
        assertEquals(List.of(25, 5, 15, 5), batchSizes);
        assertEquals(0, callRecords(iid));
        assertOnlyTheRegistrationRemains(iid);
    }

    @Test
    void deletesThatStayUnprocessedAreRetriedLaterAndNotSilentlyDropped() throws Exception {
        String iid = configure(aws.registerInstance(caller));
        putCalls(iid, generation(iid), 3);
        AtomicInteger calls = new AtomicInteger();
        Services stuck = aws.services(aws.settings(), (operation, request, proceed) -> {
            if (!operation.equals("batchWriteItem")) {
                return proceed.call();
            }
            calls.incrementAndGet();
            return BatchWriteItemResponse.builder()
                    .unprocessedItems(((BatchWriteItemRequest) request).requestItems())
                    .build();
        });
        assertEquals(204, delete(handler, iid).status());
        assertThrows(RetryLaterException.class, () -> stuck.purgeJobs().work(Duration.ofSeconds(60)));
        assertTrue(calls.get() > 1 && calls.get() <= 10, "bounded retries: " + calls.get());
        assertEquals(3, callRecords(iid));
        assertEquals(404, delete(handler, iid).status());
        purgeAsTheSweeperDoes(aws.services());
        assertEquals(0, callRecords(iid));
    }

    @Test
    void twentyThousandRecordsOfHistoryAnswerAtOnceAndAreGoneAfterTheSweeperRuns() throws Exception {
        String iid = configure(aws.registerInstance(caller));
        String generation = generation(iid);
        long seeding = System.nanoTime();
        putCalls(iid, generation, 20_000);
        System.out.printf(
                "seeded 20000 call records with BatchWriteItem in %d ms%n", (System.nanoTime() - seeding) / 1_000_000);
        // (putCalls asserted every batch was processed: 20,000 records are there.)
        long started = System.nanoTime();
        HttpResponse r = delete(handler, iid);
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("DELETE with 20000 call records of history answered %d in %d ms%n", r.status(), millis);
        assertEquals(204, r.status());
        assertTrue(millis < 5_000, "bounded by the channel's removal, not the history: " + millis + " ms");
        // At once: nothing counts or lists, and a retried DELETE is 404.
        assertEquals(
                ChannelStatus.NOT_CONFIGURED,
                ChannelStatus.of(aws.services().instances().find(iid).orElseThrow())
                        .status());
        assertTrue(
                aws.services().instances().find(iid).orElseThrow().channel().isEmpty(),
                "no channel, so List Active Calls answers [] and Voice Status counts 0");
        assertEquals(404, delete(handler, iid).status());
        // Then the sweeper's runs (a budget each) remove every record, and nothing else is left.
        long purging = System.nanoTime();
        int runs = 0;
        int deleted = 0;
        PurgeJobs.Result run;
        do {
            run = aws.services().purgeJobs().work(Duration.ofSeconds(20));
            deleted += run.recordsDeleted();
            runs++;
        } while (run.jobsLeft() && runs < 40);
        System.out.printf(
                "the sweeper's purge deleted %d records in %d runs of at most 20 s, %d ms%n",
                deleted, runs, (System.nanoTime() - purging) / 1_000_000);
        assertFalse(run.jobsLeft());
        assertEquals(20_000, deleted);
        assertEquals(0, callRecords(iid));
        assertOnlyTheRegistrationRemains(iid);
    }

    @Test
    void thePurgeLeavesTheRecordsOfALiveChannelAlone() {
        // A setup racing the purge creates a new channel that takes calls at once: its records are
        // not the dead channel's, and BatchWriteItem (unconditional) must not take them.
        String iid = configure(aws.registerInstance(caller));
        String live = generation(iid);
        putCalls(iid, live, 5);
        putCalls(iid, "dead-generation", 7);
        CallRecordPurge purge = new CallRecordPurge(aws.dynamo(), table, Optional.of(4));
        assertEquals(7, purge.purge(iid));
        assertEquals(5, callRecords(iid));
        assertEquals(0, purge.purge(iid));
    }

    @Test
    void aDependencyOutageIs503AndChangesNothing() throws Exception {
        String iid = configure(aws.registerInstance(caller));
        putCalls(iid, generation(iid), 4);
        Map<String, AttributeValue> before = item(iid);
        HttpResponse r = delete(new TeardownVoiceHandler(aws.unreachableServices()), iid);
        assertEquals(503, r.status());
        assertEquals("1", r.headers().get("retry-after"));
        assertEquals(before, item(iid));
        assertEquals(4, callRecords(iid));
        // DynamoDB failing at the channel removal itself: still nothing changed.
        Services removalFails = aws.services(aws.settings(), (operation, request, proceed) -> {
            if (operation.equals("updateItem")) {
                throw SdkClientException.create("injected: timeout");
            }
            return proceed.call();
        });
        assertEquals(503, delete(new TeardownVoiceHandler(removalFails), iid).status());
        assertEquals(before, item(iid));
        assertEquals(4, callRecords(iid));
    }

    @Test
    void theEnvironmentTheTemplateDeclaresIsEnoughToRun() {
        Map<String, String> env = aws.resources()
                .functionEnvironment(
                        CfnTemplate.load(ProjectPaths.template()),
                        "VoiceTeardownFunction",
                        Map.of("PublicBaseUrl", "https://voice.example.com"));
        assertFalse(env.containsKey(Settings.KMS_KEY_ID), "teardown needs no key: it never decrypts");
        TeardownVoiceHandler deployed = new TeardownVoiceHandler(aws.services(Settings.of(env)));
        String iid = configure(aws.registerInstance(caller));
        putCalls(iid, generation(iid), 3);
        assertEquals(204, delete(deployed, iid).status());
        purgeAsTheSweeperDoes(aws.services());
        assertOnlyTheRegistrationRemains(iid);
    }

    @Test
    void sampleEventDrivesTheLambdaEntryPoint() throws Exception {
        String iid = configure(aws.registerInstance(caller));
        ObjectNode sample = (ObjectNode)
                Json.MAPPER.readTree(Files.readAllBytes(ProjectPaths.root().resolve("events/voice-teardown.json")));
        assertEquals(ROUTE, sample.path("routeKey").asText());
        ((ObjectNode) sample.path("headers")).put("authorization", "Bearer " + caller.apiKey());
        ((ObjectNode) sample.path("pathParameters")).put("instance_id", iid);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(Json.MAPPER.writeValueAsBytes(sample)), out, null);
        JsonNode response = Json.MAPPER.readTree(out.toByteArray());
        assertEquals(204, response.path("statusCode").asInt(), response.toString());
        assertEquals("", response.path("body").asText());
        assertFalse(response.path("isBase64Encoded").asBoolean());
        purgeAsTheSweeperDoes(aws.services());
        assertOnlyTheRegistrationRemains(iid);
    }
}
