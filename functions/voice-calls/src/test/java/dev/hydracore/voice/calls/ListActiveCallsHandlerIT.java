package dev.hydracore.voice.calls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.calls.CallEvent;
import dev.hydracore.voice.core.calls.CallRecord;
import dev.hydracore.voice.core.calls.CallState;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.store.CallItems;
import dev.hydracore.voice.core.store.CallTransitions;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.testkit.TestChannels;
import dev.hydracore.voice.testkit.TestChannels.Channel;
import dev.hydracore.voice.testkit.TestClock;
import dev.hydracore.voice.tooling.ApiEvents;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET /v1/instances/{instance_id}/channels/voice/calls against the emulator. */
class ListActiveCallsHandlerIT {
    static final String ROUTE = "GET /v1/instances/{instance_id}/channels/voice/calls";
    static final Instant T0 = Instant.parse("2026-11-25T06:00:00Z");
    static TestAws aws;
    static TestChannels channels;
    static TestCaller caller;

    @BeforeAll
    static void setUp() {
        aws = TestAws.shared();
        channels = new TestChannels(aws);
        caller = aws.newCaller();
    }

    static ObjectNode event(String iid, Map<String, String> headers) {
        return ApiEvents.of(
                "GET",
                "/v1/instances/" + iid + "/channels/voice/calls",
                ROUTE,
                Map.of("instance_id", iid),
                headers,
                null);
    }

    static Channel channel() {
        return channels.retell(caller, aws.registerInstance(caller), "key_" + UUID.randomUUID());
    }

    static void start(CallTransitions store, String iid, String callId, CallEvent e) {
        assertEquals(CallTransitions.Outcome.APPLIED, store.apply(store.read(iid, callId, null), e));
    }

    @Test
    void noChannelIsAnEmptyList() {
        HttpResponse r = new ListActiveCallsHandler(aws.services())
                .respond(event(aws.registerInstance(caller), caller.bearer()));
        assertEquals(200, r.status());
        assertEquals("application/json", r.headers().get("content-type"));
        assertEquals("[]", r.body());
    }

    @Test
    void everyPageOldestFirstWithServerClockDurationsAndNothingPastMaxDurationOrExpired() throws Exception {
        TestClock clock = new TestClock(T0);
        Services services = aws.services(aws.settings().with(Settings.QUERY_PAGE_LIMIT, "5"), clock);
        CallTransitions store = services.callTransitions();
        Channel ch = channel();
        String iid = ch.instanceId();

        start(store, iid, "call_old", CallEvent.state(CallState.IN_PROGRESS, "+14155550100"));
        clock.advance(Duration.ofHours(3));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String id = String.format("call_%02d", i);
            // Ids in reverse of start order, so sort-key order would be wrong: the list must follow start time.
            String callId = "z" + (99 - i) + "_" + id;
            start(
                    store,
                    iid,
                    callId,
                    i % 2 == 0
                            ? CallEvent.state(CallState.RINGING, "+1415555" + String.format("%04d", i))
                            : CallEvent.transcript(i, "+1415555" + String.format("%04d", i)));
            if (i % 5 == 3) {
                start(store, iid, callId, CallEvent.state(CallState.ENDED, null));
            } else {
                expected.add(callId);
            }
            clock.advance(Duration.ofSeconds(10));
        }
        // An active record whose TTL has passed (DynamoDB deletes lazily) is never listed either.
        CallRecord expired = new CallRecord(
                iid,
                "call_expired",
                CallState.IN_PROGRESS,
                clock.millis(),
                "+1",
                0,
                ch.generation(),
                1,
                null,
                clock.millis() / 1000 - 1);
        aws.dynamo().putItem(p -> p.tableName(aws.resources().tableName()).item(CallItems.toItem(expired)));
        // A record of another channel generation (an interrupted teardown's leftover) is not this channel's call.
        CallRecord foreign = new CallRecord(
                iid,
                "call_foreign",
                CallState.IN_PROGRESS,
                clock.millis(),
                "+1",
                0,
                "old-generation",
                1,
                null,
                clock.millis() / 1000 + 86_400);
        aws.dynamo().putItem(p -> p.tableName(aws.resources().tableName()).item(CallItems.toItem(foreign)));
        assertEquals(13, expected.size());

        clock.set(T0.plus(Duration.ofHours(4)).plusSeconds(1));
        HttpResponse r = new ListActiveCallsHandler(services).respond(event(iid, caller.bearer()));
        assertEquals(200, r.status());
        JsonNode list = Json.MAPPER.readTree(r.body());
        List<String> ids = new ArrayList<>();
        list.forEach(c -> ids.add(c.path("call_id").asText()));
        assertEquals(expected, ids, "all pages, oldest first, ended / overdue / expired / foreign calls left out");
        for (JsonNode c : list) {
            int i = Integer.parseInt(c.path("call_id")
                    .asText()
                    .substring(c.path("call_id").asText().length() - 2));
            // Started at T0 + 3 h + 10 s·i (+1 ms per earlier write is not possible: the clock only moves by hand).
            assertEquals(3601 - 10L * i, c.path("duration_seconds").asLong(), c.toString());
            assertEquals(i % 2 == 0 ? "ringing" : "in_progress", c.path("state").asText());
            assertEquals(i % 2 == 0 ? 0 : i, c.path("transcript_turns").asInt());
            assertEquals(
                    "+1415555" + String.format("%04d", i),
                    c.path("caller_phone").asText());
        }
        // One second earlier, the oldest call is still within the maximum duration and listed first.
        clock.set(T0.plus(Duration.ofHours(4)).minusSeconds(1));
        JsonNode earlier = Json.MAPPER.readTree(new ListActiveCallsHandler(services)
                .respond(event(iid, caller.bearer()))
                .body());
        assertEquals(14, earlier.size());
        assertEquals("call_old", earlier.get(0).path("call_id").asText());
        assertEquals(4 * 3600 - 1, earlier.get(0).path("duration_seconds").asLong());
    }

    @Test
    void callerWithoutNumberIsNull() throws Exception {
        Channel ch = channel();
        CallTransitions store = aws.services().callTransitions();
        start(store, ch.instanceId(), "call_anon", CallEvent.state(CallState.IN_PROGRESS, null));
        JsonNode list = Json.MAPPER.readTree(new ListActiveCallsHandler(aws.services())
                .respond(event(ch.instanceId(), caller.bearer()))
                .body());
        assertEquals(1, list.size());
        assertEquals(true, list.get(0).path("caller_phone").isNull());
    }

    @Test
    void authenticationTenancyAndPathAreCheckedLikeEveryRoute() throws Exception {
        ListActiveCallsHandler h = new ListActiveCallsHandler(aws.services());
        Channel ch = channel();
        HttpResponse none = h.respond(event(ch.instanceId(), Map.of()));
        assertEquals(401, none.status());
        assertEquals("Bearer", none.headers().get("www-authenticate"));
        assertEquals("{\"detail\":\"Not authenticated\"}", none.body());
        assertEquals(
                "{\"detail\":\"Invalid API key\"}",
                h.respond(event(ch.instanceId(), Map.of("x-api-key", "hk_nope")))
                        .body());
        TestCaller other = aws.newCaller();
        HttpResponse foreign = h.respond(event(ch.instanceId(), other.bearer()));
        assertEquals(404, foreign.status());
        assertEquals("{\"detail\":\"Instance not found\"}", foreign.body());
        HttpResponse bad = h.respond(event("not-a-uuid", caller.bearer()));
        assertEquals(422, bad.status());
        assertEquals(
                "uuid_parsing",
                Json.MAPPER
                        .readTree(bad.body())
                        .path("detail")
                        .get(0)
                        .path("type")
                        .asText());
        HttpResponse down =
                new ListActiveCallsHandler(aws.unreachableServices()).respond(event(ch.instanceId(), caller.bearer()));
        assertEquals(503, down.status());
    }

    @Test
    void sampleEventDrivesTheLambdaEntryPoint() throws Exception {
        Channel ch = channel();
        CallTransitions store = aws.services().callTransitions();
        start(store, ch.instanceId(), "call_sample", CallEvent.transcript(2, "+14155550123"));
        ObjectNode sample = (ObjectNode)
                Json.MAPPER.readTree(Files.readAllBytes(ProjectPaths.root().resolve("events/voice-calls.json")));
        ((ObjectNode) sample.path("headers")).put("authorization", "Bearer " + caller.apiKey());
        ((ObjectNode) sample.path("pathParameters")).put("instance_id", ch.instanceId());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new ListActiveCallsHandler(aws.services())
                .handleRequest(new ByteArrayInputStream(Json.MAPPER.writeValueAsBytes(sample)), out, null);
        JsonNode response = Json.MAPPER.readTree(out.toByteArray());
        assertEquals(200, response.path("statusCode").asInt());
        assertFalse(response.path("isBase64Encoded").asBoolean());
        JsonNode list = Json.MAPPER.readTree(response.path("body").asText());
        assertEquals("call_sample", list.get(0).path("call_id").asText());
        assertEquals(2, list.get(0).path("transcript_turns").asInt());
    }

    @Test
    void oneDynamoRequestPerPageOnceTheKeyIsCached() throws Exception {
        Channel ch = channel();
        CallTransitions store = aws.services().callTransitions();
        start(store, ch.instanceId(), "c1", CallEvent.state(CallState.IN_PROGRESS, "+14155550123"));
        Map<String, Integer> requests = new java.util.TreeMap<>();
        Services counted = aws.services(aws.settings(), (operation, request, proceed) -> {
            requests.merge(operation, 1, Integer::sum);
            return proceed.call();
        });
        ListActiveCallsHandler handler = new ListActiveCallsHandler(counted);
        assertEquals(
                200, handler.respond(event(ch.instanceId(), caller.bearer())).status()); // caches the key
        requests.clear();
        HttpResponse r = handler.respond(event(ch.instanceId(), caller.bearer()));
        assertEquals(200, r.status());
        assertEquals("c1", Json.MAPPER.readTree(r.body()).get(0).path("call_id").asText());
        // Tenancy before work: the registration is read on its own first (it used to come with the first index page).
        assertEquals(Map.of("getItem", 1, "query", 1), requests, "the registration, then the calls in one query page");
    }

    @Test
    void aForeignInstanceCostsWhatAMissingOneCostsAndNoIndexPageIsRead() throws Exception {
        Channel ch = channel();
        CallTransitions store = aws.services().callTransitions();
        for (int i = 0; i < 12; i++) {
            start(store, ch.instanceId(), "busy_" + i, CallEvent.state(CallState.IN_PROGRESS, "+14155550123"));
        }
        TestCaller other = aws.newCaller();
        Map<String, Integer> requests = new java.util.TreeMap<>();
        Services counted =
                aws.services(aws.settings().with(Settings.QUERY_PAGE_LIMIT, "5"), (operation, request, proceed) -> {
                    requests.merge(operation, 1, Integer::sum);
                    return proceed.call();
                });
        ListActiveCallsHandler handler = new ListActiveCallsHandler(counted);
        assertEquals(
                200,
                handler.respond(event(aws.registerInstance(other), other.bearer()))
                        .status()); // caches the key
        requests.clear();
        HttpResponse foreign = handler.respond(event(ch.instanceId(), other.bearer()));
        assertEquals(404, foreign.status());
        Map<String, Integer> foreignCost = new java.util.TreeMap<>(requests);
        requests.clear();
        HttpResponse missing = handler.respond(event(UUID.randomUUID().toString(), other.bearer()));
        assertEquals(404, missing.status());
        assertEquals(foreign.body(), missing.body());
        assertEquals(Map.of("getItem", 1), foreignCost, "no page of the foreign instance's index is read");
        assertEquals(foreignCost, requests);
        // The owner gets every page (12 calls, 5 per page).
        requests.clear();
        HttpResponse own = handler.respond(event(ch.instanceId(), caller.bearer()));
        assertEquals(200, own.status());
        assertEquals(12, Json.MAPPER.readTree(own.body()).size());
    }

    @Test
    void aRegistrationOutsideTheIndexIsReadSeparately() throws Exception {
        // Instances registered before the instance item joined the active-calls index lack
        // active_since: the route then reads the registration with a GetItem, with the same answer.
        Channel ch = channel();
        CallTransitions store = aws.services().callTransitions();
        start(store, ch.instanceId(), "c1", CallEvent.state(CallState.RINGING, null));
        aws.dynamo()
                .updateItem(u -> u.tableName(aws.resources().tableName())
                        .key(dev.hydracore.voice.core.store.TableLayout.instanceKey(ch.instanceId()))
                        .updateExpression("REMOVE active_since"));
        HttpResponse r = new ListActiveCallsHandler(aws.services()).respond(event(ch.instanceId(), caller.bearer()));
        assertEquals(200, r.status());
        assertEquals(1, Json.MAPPER.readTree(r.body()).size());
        TestCaller other = aws.newCaller();
        assertEquals(
                404,
                new ListActiveCallsHandler(aws.services())
                        .respond(event(ch.instanceId(), other.bearer()))
                        .status());
    }
}
