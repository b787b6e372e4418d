package dev.hydracore.voice.webhook;

import static dev.hydracore.voice.webhook.Deliveries.retellBody;
import static dev.hydracore.voice.webhook.Deliveries.twilioParams;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.store.InboundAdmissions;
import dev.hydracore.voice.core.store.TableLayout;
import dev.hydracore.voice.core.webhook.TwimlAnswer;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.testkit.TestChannels;
import dev.hydracore.voice.testkit.TestChannels.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * max_concurrent_calls at admission, against the emulator: rings at once never over-admit
 * (N rings at a limit of L with A active admit exactly min(N, L − A)), for Twilio's incoming-call
 * request (TwiML Reject, nothing recorded) and Retell's call_inbound (an answer without an agent).
 */
class AdmissionLimitIT {
    static final int RINGS = 20;
    static final int LIMIT = 5;
    static TestAws aws;
    static TestChannels channels;
    static VoiceWebhookHandler webhook;
    static TestCaller caller;

    @BeforeAll
    static void setUp() {
        aws = TestAws.shared();
        channels = new TestChannels(aws);
        webhook = new VoiceWebhookHandler(
                aws.services(aws.settings().with(Settings.PIPECAT_STREAM_URL, "wss://bot.test.invalid/ws")));
        caller = aws.newCaller();
    }

    @Test
    void twentyTwilioRingsAtOnceAtALimitOfFiveAdmitExactlyFive() throws Exception {
        Channel ch = channels.pipecat(
                caller,
                aws.registerInstance(caller),
                "tok_" + UUID.randomUUID(),
                "sec_" + UUID.randomUUID(),
                OptionalLong.of(LIMIT));
        List<String> sids = new ArrayList<>();
        List<ObjectNode> rings = new ArrayList<>();
        for (int i = 0; i < RINGS; i++) {
            String sid = String.format("CA%032x", UUID.randomUUID().getMostSignificantBits() & Long.MAX_VALUE ^ i);
            sids.add(sid);
            rings.add(Deliveries.twilio(
                    ch, "", twilioParams(sid, "+1415555" + String.format("%04d", i), "ringing", false)));
        }
        List<HttpResponse> answers = atOnce(rings);
        long admitted =
                answers.stream().filter(r -> r.body().contains("<Connect>")).count();
        long rejected = answers.stream()
                .filter(r -> r.body().equals(TwimlAnswer.REJECT_BUSY))
                .count();
        answers.forEach(r -> assertEquals(200, r.status(), r.body()));
        answers.forEach(r -> assertEquals("text/xml", r.headers().get("content-type")));
        assertEquals(LIMIT, admitted, "admitted");
        assertEquals(RINGS - LIMIT, rejected, "rejected with <Reject reason=\"busy\"/>");
        assertEquals(LIMIT, counter(ch.instanceId()));
        assertEquals(LIMIT, callRecords(ch.instanceId()), "a refused call is not recorded");

        // A refused call's retry is refused again while the channel is full; a call ending frees a place.
        int firstRefused = -1;
        for (int i = 0; i < RINGS && firstRefused < 0; i++) {
            if (answers.get(i).body().equals(TwimlAnswer.REJECT_BUSY)) {
                firstRefused = i;
            }
        }
        assertEquals(
                TwimlAnswer.REJECT_BUSY,
                webhook.respond(rings.get(firstRefused)).body());
        int firstAdmitted = answers.indexOf(answers.stream()
                .filter(r -> r.body().contains("<Connect>"))
                .findFirst()
                .orElseThrow());
        webhook.respond(
                Deliveries.twilio(ch, "", twilioParams(sids.get(firstAdmitted), "+14155550000", "completed", true)));
        assertEquals(LIMIT - 1, counter(ch.instanceId()));
        assertTrue(
                webhook.respond(rings.get(firstRefused)).body().contains("<Connect>"),
                "a freed place admits the next ring");
        assertEquals(LIMIT, counter(ch.instanceId()));
    }

    @Test
    void withCallsAlreadyActiveOnlyTheRemainingPlacesAreAdmitted() throws Exception {
        Channel ch = channels.pipecat(
                caller,
                aws.registerInstance(caller),
                "tok_" + UUID.randomUUID(),
                "sec_" + UUID.randomUUID(),
                OptionalLong.of(LIMIT));
        for (int i = 0; i < 3; i++) {
            webhook.respond(Deliveries.twilio(ch, "", twilioParams("CAactive" + i, "+14155550100", "ringing", false)));
        }
        List<ObjectNode> rings = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            rings.add(Deliveries.twilio(ch, "", twilioParams("CAmore" + i, "+14155550101", "ringing", false)));
        }
        long admitted = atOnce(rings).stream()
                .filter(r -> r.body().contains("<Connect>"))
                .count();
        assertEquals(LIMIT - 3, admitted, "min(N, L - A)");
        assertEquals(LIMIT, counter(ch.instanceId()));
    }

    @Test
    void twentyRetellInboundCallsAtOnceAtALimitOfFiveAdmitExactlyFive() throws Exception {
        Channel ch = channels.retell(
                caller, aws.registerInstance(caller), "key_" + UUID.randomUUID(), OptionalLong.of(LIMIT));
        List<ObjectNode> inbound = new ArrayList<>();
        for (int i = 0; i < RINGS; i++) {
            inbound.add(Deliveries.retell(ch, inboundBody("+1415555" + String.format("%04d", i))));
        }
        List<HttpResponse> answers = atOnce(inbound);
        List<String> admissions = new ArrayList<>();
        int declined = 0;
        for (HttpResponse r : answers) {
            assertEquals(200, r.status(), r.body());
            JsonNode a = Json.MAPPER.readTree(r.body()).path("call_inbound");
            assertTrue(a.isObject(), r.body());
            if (a.has("override_agent_id")) {
                assertEquals("agent_test", a.get("override_agent_id").asText());
                admissions.add(a.path("metadata").path("hydra_admission").asText());
            } else {
                assertEquals(
                        Json.MAPPER.readTree("{\"call_inbound\":{}}"),
                        Json.MAPPER.readTree(r.body()),
                        "declined: no agent");
                declined++;
            }
        }
        assertEquals(LIMIT, admissions.size(), "admitted");
        assertEquals(RINGS - LIMIT, declined, "declined");
        assertEquals(LIMIT, counter(ch.instanceId()), "admissions are counted before the call exists");
        assertEquals(LIMIT, admissionItems(ch.instanceId()));

        // call_started carrying an admission turns it into the call record, without counting twice (also when
        // redelivered).
        for (int i = 0; i < admissions.size() - 1; i++) {
            String body =
                    withAdmission(retellBody("call_started", "call_adm" + i, "+14155550123", 0), admissions.get(i));
            assertEquals(200, webhook.respond(Deliveries.retell(ch, body)).status());
            assertEquals(200, webhook.respond(Deliveries.retell(ch, body)).status());
        }
        assertEquals(LIMIT, counter(ch.instanceId()), "4 calls + 1 admission");
        assertEquals(LIMIT - 1, callRecords(ch.instanceId()));
        assertEquals(1, admissionItems(ch.instanceId()));
        assertFalse(
                Json.MAPPER
                        .readTree(webhook.respond(Deliveries.retell(ch, inboundBody("+14155550999")))
                                .body())
                        .path("call_inbound")
                        .has("override_agent_id"),
                "still full");

        // An admission no call claims is released by the sweeper once its window is over; then a place is free.
        // The sweep index is every instance's: other test classes' leftovers in this JVM's emulator are not this one's.
        InboundAdmissions store = aws.services().inboundAdmissions();
        assertEquals(
                List.of(),
                store.unclaimedBefore(System.currentTimeMillis()).stream()
                        .filter(k -> k.instanceId().equals(ch.instanceId()))
                        .toList(),
                "within its window");
        List<InboundAdmissions.AdmissionKey> overdue =
                store
                        .unclaimedBefore(System.currentTimeMillis() + InboundAdmissions.CLAIM_WINDOW.toMillis() + 1000)
                        .stream()
                        .filter(k -> k.instanceId().equals(ch.instanceId()))
                        .toList();
        assertEquals(1, overdue.size());
        assertTrue(store.release(overdue.get(0)));
        assertFalse(store.release(overdue.get(0)), "released once");
        assertEquals(LIMIT - 1, counter(ch.instanceId()));
        assertEquals(0, admissionItems(ch.instanceId()));
        // Its call_started arriving after all is counted as a call without admission (the limit is then only reported).
        String late =
                withAdmission(retellBody("call_started", "call_late", "+14155550123", 0), admissions.get(LIMIT - 1));
        webhook.respond(Deliveries.retell(ch, late));
        assertEquals(LIMIT, counter(ch.instanceId()));
        assertEquals(LIMIT, callRecords(ch.instanceId()));
    }

    @Test
    void withoutALimitRetellInboundNamesTheAgentAndWritesNothing() throws Exception {
        Channel ch = channels.retell(caller, aws.registerInstance(caller), "key_" + UUID.randomUUID());
        Map<String, String> before = aws.snapshotOfEveryTable();
        HttpResponse r = webhook.respond(Deliveries.retell(ch, inboundBody("+14155550123")));
        assertEquals(200, r.status(), r.body());
        assertEquals(
                Json.MAPPER.readTree("{\"call_inbound\":{\"override_agent_id\":\"agent_test\"}}"),
                Json.MAPPER.readTree(r.body()));
        assertEquals(before, aws.snapshotOfEveryTable());
    }

    @Test
    void anUnsignedInboundCallIsRefusedAndAdmitsNothing() throws Exception {
        Channel ch =
                channels.retell(caller, aws.registerInstance(caller), "key_" + UUID.randomUUID(), OptionalLong.of(1));
        HttpResponse r = webhook.respond(
                Deliveries.json(ch.instanceId(), "x-retell-signature", "v=1,d=00", inboundBody("+14155550123")));
        assertEquals(401, r.status());
        assertEquals(0, counter(ch.instanceId()));
        assertEquals(0, admissionItems(ch.instanceId()));
    }

    @Test
    void teardownsPurgeRemovesUnclaimedAdmissionsWithTheCallRecords() throws Exception {
        Channel ch =
                channels.retell(caller, aws.registerInstance(caller), "key_" + UUID.randomUUID(), OptionalLong.of(3));
        webhook.respond(Deliveries.retell(ch, inboundBody("+14155550123")));
        webhook.respond(Deliveries.retell(ch, retellBody("call_started", "call_plain", "+14155550123", 0)));
        assertEquals(1, admissionItems(ch.instanceId()));
        assertEquals(2, counter(ch.instanceId()));
        aws.services().channels().remove(ch.instanceId(), ch.generation());
        assertEquals(2, aws.services().callRecordPurge().purge(ch.instanceId()), "the call record and the admission");
        assertEquals(0, items(ch.instanceId(), TableLayout.CALL_PREFIX).size());
        assertEquals(
                404,
                webhook.respond(Deliveries.retell(ch, inboundBody("+14155550123")))
                        .status(),
                "no channel, no admission");
    }

    static String inboundBody(String from) {
        return "{\"event\":\"call_inbound\",\"call_inbound\":{\"from_number\":\"" + from
                + "\",\"to_number\":\"+14155550100\"}}";
    }

    /** The event with {@code call.metadata.hydra_admission}, as Retell sends back what call_inbound's answer set. */
    static String withAdmission(String retellEvent, String admissionId) throws Exception {
        ObjectNode root = (ObjectNode) Json.MAPPER.readTree(retellEvent);
        ((ObjectNode) root.get("call"))
                .putObject("metadata")
                .put("hydra_admission", admissionId)
                .put("customer", "kept");
        return root.toString();
    }

    /** Every request sent at the same moment from its own thread. */
    static List<HttpResponse> atOnce(List<ObjectNode> requests) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(requests.size());
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<HttpResponse>> running = new ArrayList<>();
            for (ObjectNode r : requests) {
                Callable<HttpResponse> send = () -> {
                    go.await();
                    return webhook.respond(r);
                };
                running.add(pool.submit(send));
            }
            go.countDown();
            List<HttpResponse> out = new ArrayList<>();
            for (Future<HttpResponse> f : running) {
                out.add(f.get(120, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    static long counter(String iid) {
        Map<String, AttributeValue> item = aws.dynamo()
                .getItem(g -> g.tableName(aws.resources().tableName())
                        .key(TableLayout.instanceKey(iid))
                        .consistentRead(true))
                .item();
        return TableLayout.num(item, TableLayout.ACTIVE_CALLS, 0);
    }

    static long callRecords(String iid) {
        return items(iid, TableLayout.CALL_PREFIX).stream()
                .filter(i -> !i.get(TableLayout.SK).s().startsWith(TableLayout.ADMISSION_PREFIX))
                .count();
    }

    static long admissionItems(String iid) {
        return items(iid, TableLayout.ADMISSION_PREFIX).size();
    }

    static List<Map<String, AttributeValue>> items(String iid, String prefix) {
        return aws.dynamo()
                .query(q -> q.tableName(aws.resources().tableName())
                        .consistentRead(true)
                        .keyConditionExpression("pk = :pk AND begins_with(sk, :p)")
                        .expressionAttributeValues(Map.of(
                                ":pk", TableLayout.s(TableLayout.INSTANCE_PREFIX + iid), ":p", TableLayout.s(prefix))))
                .items();
    }
}
