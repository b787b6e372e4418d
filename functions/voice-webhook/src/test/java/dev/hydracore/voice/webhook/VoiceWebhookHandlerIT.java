package dev.hydracore.voice.webhook;

import static dev.hydracore.voice.webhook.Deliveries.botBody;
import static dev.hydracore.voice.webhook.Deliveries.retellBody;
import static dev.hydracore.voice.webhook.Deliveries.twilioParams;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.auth.Principal;
import dev.hydracore.voice.core.aws.AwsClients;
import dev.hydracore.voice.core.calls.ActiveCallsAnswer;
import dev.hydracore.voice.core.calls.CallRecord;
import dev.hydracore.voice.core.channel.ChannelStatus;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.store.InstanceRecord;
import dev.hydracore.voice.core.store.TableLayout;
import dev.hydracore.voice.core.webhook.TimestampedHmac;
import dev.hydracore.voice.core.webhook.TwilioSignature;
import dev.hydracore.voice.testkit.RetellCallEvents;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.testkit.TestChannels;
import dev.hydracore.voice.testkit.TestChannels.Channel;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * POST /v1/webhooks/voice/{instance_id} against the emulator, end to end: signed provider events in,
 * what Voice Status ({@code active_calls}) and List Active Calls answer, from the voice-core code that builds those answers.
 */
class VoiceWebhookHandlerIT {
    static final String STREAM = "wss://bot.test.invalid/media?app=voice&v=\"2\"";
    static TestAws aws;
    static TestChannels channels;
    static VoiceWebhookHandler webhook;
    static TestCaller caller;

    @BeforeAll
    static void setUp() {
        aws = TestAws.shared();
        channels = new TestChannels(aws);
        webhook = new VoiceWebhookHandler(aws.services(aws.settings().with(Settings.PIPECAT_STREAM_URL, STREAM)));
        caller = aws.newCaller();
    }

    static Channel retellChannel() {
        return channels.retell(caller, aws.registerInstance(caller), "key_retell_" + UUID.randomUUID());
    }

    static Channel pipecatChannel() {
        return channels.pipecat(
                caller,
                aws.registerInstance(caller),
                "twilio-token-" + UUID.randomUUID(),
                "hydra-secret-" + UUID.randomUUID());
    }

    /** What Voice Status answers as {@code active_calls} for the caller's instance (its body, from voice-core). */
    static long activeCalls(String iid) throws Exception {
        InstanceRecord instance =
                aws.services().tenancy().requireOwned(new Principal(caller.tenantId(), caller.keyId()), iid);
        return Json.MAPPER
                .readTree(ChannelStatus.of(instance).toJson())
                .path("active_calls")
                .asLong(-1);
    }

    /** What List Active Calls answers for the caller's instance (its index read and body, from voice-core). */
    static JsonNode calls(String iid) throws Exception {
        InstanceRecord instance =
                aws.services().tenancy().requireOwned(new Principal(caller.tenantId(), caller.keyId()), iid);
        List<CallRecord> active = instance.channel()
                .map(c -> aws.services().activeCalls().activeCalls(iid, c.generation()))
                .orElse(List.of());
        return Json.MAPPER.readTree(
                ActiveCallsAnswer.toJson(active, aws.services().clock().millis()));
    }

    static HttpResponse send(ObjectNode event) {
        return webhook.respond(event);
    }

    static void assertOk(HttpResponse r) {
        assertEquals(200, r.status(), r.body());
        assertEquals("{\"status\":\"ok\"}", r.body());
    }

    static void assertIgnored(HttpResponse r) {
        assertEquals(200, r.status(), r.body());
        assertEquals("{\"status\":\"ignored\"}", r.body());
    }

    /** Every item of the instance (instance item, call records, turn markers), strongly consistent. */
    static List<Map<String, AttributeValue>> items(String iid) {
        return aws.dynamo()
                .query(q -> q.tableName(aws.resources().tableName())
                        .consistentRead(true)
                        .keyConditionExpression("pk = :pk")
                        .expressionAttributeValues(Map.of(":pk", TableLayout.s(TableLayout.INSTANCE_PREFIX + iid))))
                .items();
    }

    static Map<String, AttributeValue> callItem(String iid, String callId) {
        return aws.dynamo()
                .getItem(g -> g.tableName(aws.resources().tableName())
                        .key(TableLayout.callKey(iid, callId))
                        .consistentRead(true))
                .item();
    }

    static void assertOneCall(JsonNode calls, String callId, String caller, String state, int turns) {
        assertEquals(1, calls.size(), calls.toString());
        JsonNode c = calls.get(0);
        assertEquals(callId, c.path("call_id").asText());
        assertEquals(caller, c.path("caller_phone").asText());
        assertEquals(state, c.path("state").asText());
        assertEquals(turns, c.path("transcript_turns").asInt(-1));
        assertTrue(
                c.path("duration_seconds").isIntegralNumber()
                        && c.path("duration_seconds").asLong() >= 0
                        && c.path("duration_seconds").asLong() < 60,
                c.toString());
        assertEquals(5, c.size(), "exactly the contract's fields");
    }

    @Test
    void retellCallLifecycleMovesTheCounterAndTheList() throws Exception {
        Channel ch = retellChannel();
        String iid = ch.instanceId();
        assertEquals(0, activeCalls(iid));
        assertEquals(0, calls(iid).size());

        assertOk(send(Deliveries.retell(ch, retellBody("call_started", "call_r1", "+14155550123", 0))));
        assertEquals(1, activeCalls(iid));
        assertOneCall(calls(iid), "call_r1", "+14155550123", "in_progress", 0);

        assertOk(send(Deliveries.retell(ch, retellBody("transcript_updated", "call_r1", "+14155550123", 3))));
        assertOneCall(calls(iid), "call_r1", "+14155550123", "in_progress", 3);
        // A stale (shorter) transcript, a duplicate start, an analysis: acknowledged, nothing changes.
        assertIgnored(send(Deliveries.retell(ch, retellBody("transcript_updated", "call_r1", "+14155550123", 2))));
        assertIgnored(send(Deliveries.retell(ch, retellBody("call_started", "call_r1", "+14155550123", 0))));
        assertIgnored(send(Deliveries.retell(ch, retellBody("call_analyzed", "call_r1", "+14155550123", 3))));
        assertEquals(1, activeCalls(iid));
        assertOneCall(calls(iid), "call_r1", "+14155550123", "in_progress", 3);

        assertOk(send(Deliveries.retell(ch, retellBody("call_ended", "call_r1", "+14155550123", 4))));
        assertEquals(0, activeCalls(iid));
        assertEquals(0, calls(iid).size());
        Map<String, AttributeValue> ended = callItem(iid, "call_r1");
        assertEquals("ended", ended.get("state").s());
        assertEquals("4", ended.get("turns").n());
        assertFalse(
                ended.containsKey(TableLayout.ACTIVE_SINCE)
                        || ended.containsKey(TableLayout.SWEEP_PK)
                        || ended.containsKey(TableLayout.SWEEP_SK),
                "an ended call leaves both indexes");
        long ttl = Long.parseLong(ended.get(TableLayout.EXPIRES_AT).n());
        long expected = System.currentTimeMillis() / 1000 + 24 * 3600;
        assertTrue(Math.abs(ttl - expected) < 60, "ended records expire after the ended-call TTL");

        // Late and duplicate deliveries after the end never revive the call.
        assertIgnored(send(Deliveries.retell(ch, retellBody("call_started", "call_r1", "+14155550123", 0))));
        assertIgnored(send(Deliveries.retell(ch, retellBody("call_ended", "call_r1", "+14155550123", 4))));
        assertIgnored(send(Deliveries.retell(ch, retellBody("transcript_updated", "call_r1", "+14155550123", 9))));
        assertEquals(0, activeCalls(iid));
        assertEquals(0, calls(iid).size());
        assertEquals("4", callItem(iid, "call_r1").get("turns").n());
    }

    @Test
    void retellCallSeenFirstByItsEndNeverCounts() throws Exception {
        Channel ch = retellChannel();
        assertOk(send(Deliveries.retell(ch, retellBody("call_ended", "call_late", "+14155550124", 2))));
        assertEquals(0, activeCalls(ch.instanceId()));
        assertIgnored(send(Deliveries.retell(ch, retellBody("call_started", "call_late", "+14155550124", 0))));
        assertEquals(0, activeCalls(ch.instanceId()));
        assertEquals(0, calls(ch.instanceId()).size());
        assertEquals(
                "ended", callItem(ch.instanceId(), "call_late").get("state").s());
    }

    @Test
    void eventTypeIsAnAliasOfEventAndTranscriptFirstCreatesTheCall() throws Exception {
        Channel ch = retellChannel();
        assertOk(
                send(
                        Deliveries.retell(
                                ch,
                                "{\"event_type\":\"call_started\",\"call\":{\"call_id\":\"call_a\",\"agent_id\":\"agent_test\",\"from_number\":\"+15550001111\"}}")));
        assertOk(send(Deliveries.retell(ch, retellBody("transcript_updated", "call_b", "+15550002222", 2))));
        assertEquals(2, activeCalls(ch.instanceId()));
        JsonNode list = calls(ch.instanceId());
        assertEquals(
                List.of("call_a", "call_b"),
                List.of(
                        list.get(0).path("call_id").asText(),
                        list.get(1).path("call_id").asText()));
        assertEquals("in_progress", list.get(1).path("state").asText());
        assertEquals(2, list.get(1).path("transcript_turns").asInt());
    }

    @Test
    void twilioCallLifecycleWithTwimlAnswer() throws Exception {
        Channel ch = pipecatChannel();
        String iid = ch.instanceId();
        String sid = "CA" + "f".repeat(31) + "1";
        ObjectNode incoming = Deliveries.twilio(ch, "", twilioParams(sid, "+14155550125", "ringing", false));
        assertTrue(incoming.path("isBase64Encoded").asBoolean(), "HTTP APIs base64-encode form posts");
        HttpResponse answer = send(incoming);
        assertEquals(200, answer.status());
        assertEquals("text/xml", answer.headers().get("content-type"));
        assertEquals(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Connect>"
                        + "<Stream url=\"wss://bot.test.invalid/media?app=voice&amp;v=&quot;2&quot;\">"
                        + "<Parameter name=\"instance_id\" value=\"" + iid + "\"/>"
                        + "<Parameter name=\"caller\" value=\"+14155550125\"/>"
                        + "<Parameter name=\"call_id\" value=\"" + sid + "\"/>"
                        + "</Stream></Connect></Response>",
                answer.body());
        assertEquals(1, activeCalls(iid));
        assertOneCall(calls(iid), sid, "+14155550125", "ringing", 0);

        // Twilio retries the voice URL: the same TwiML again, nothing counted twice.
        assertEquals(
                answer.body(),
                send(Deliveries.twilio(ch, "", twilioParams(sid, "+14155550125", "ringing", false)))
                        .body());
        assertEquals(1, activeCalls(iid));

        assertOk(send(Deliveries.twilio(ch, "", twilioParams(sid, "+14155550125", "in-progress", true))));
        assertOneCall(calls(iid), sid, "+14155550125", "in_progress", 0);
        // The bot's own events for the same call: its start is already known, its turns count.
        assertIgnored(send(
                Deliveries.bot(ch, botBody("call.started", UUID.randomUUID().toString(), sid, "+14155550125"))));
        String turn = UUID.randomUUID().toString();
        assertOk(send(Deliveries.bot(ch, botBody("call.turn", turn, sid, "+14155550125"))));
        assertIgnored(send(Deliveries.bot(ch, botBody("call.turn", turn, sid, "+14155550125"))));
        assertOneCall(calls(iid), sid, "+14155550125", "in_progress", 1);
        // A late ringing callback does not move the call back.
        assertIgnored(send(Deliveries.twilio(ch, "", twilioParams(sid, "+14155550125", "ringing", true))));

        assertOk(send(Deliveries.twilio(ch, "", twilioParams(sid, "+14155550125", "completed", true))));
        assertEquals(0, activeCalls(iid));
        assertEquals(0, calls(iid).size());
        assertIgnored(
                send(Deliveries.bot(ch, botBody("call.ended", UUID.randomUUID().toString(), sid, "+14155550125"))));
        assertIgnored(send(Deliveries.twilio(ch, "", twilioParams(sid, "+14155550125", "in-progress", true))));
        assertEquals(0, activeCalls(iid));
    }

    @Test
    void twilioEndStatusesAndQueryStringAndDefaultPort() throws Exception {
        Channel ch = pipecatChannel();
        String iid = ch.instanceId();
        List<String> ends = List.of("busy", "failed", "no-answer", "canceled");
        for (int i = 0; i < ends.size(); i++) {
            String sid = "CA" + "0".repeat(31) + i;
            // Status callbacks configured with a query string: Twilio signs the URL with it.
            assertOk(send(Deliveries.twilio(ch, "leg=a&n=" + i, twilioParams(sid, "+1415555020" + i, "queued", true))));
        }
        assertEquals(4, activeCalls(iid));
        for (int i = 0; i < ends.size(); i++) {
            String sid = "CA" + "0".repeat(31) + i;
            assertOk(send(Deliveries.twilio(ch, "", twilioParams(sid, "+1415555020" + i, ends.get(i), true))));
        }
        assertEquals(0, activeCalls(iid));

        // Signed over the URL with the default port (as Twilio sometimes does): accepted.
        String sid = "CA" + "1".repeat(32);
        List<Map.Entry<String, String>> p = twilioParams(sid, "+14155550299", "queued", true);
        String withPort = ch.webhookUrl().replace("https://voice.test.invalid/", "https://voice.test.invalid:443/");
        assertNotEquals(withPort, ch.webhookUrl());
        assertOk(send(Deliveries.twilioSigned(
                iid, "", p, TwilioSignature.sign(withPort, p, ch.secret("twilio_auth_token")))));
        assertEquals(1, activeCalls(iid));
        // Signed without the query string it was delivered with: refused.
        List<Map.Entry<String, String>> p2 = twilioParams("CA" + "2".repeat(32), "+14155550298", "queued", true);
        assertEquals(
                401,
                send(Deliveries.twilioSigned(
                                iid,
                                "x=1",
                                p2,
                                TwilioSignature.sign(ch.webhookUrl(), p2, ch.secret("twilio_auth_token"))))
                        .status());
        assertEquals(1, activeCalls(iid));
    }

    @Test
    void incomingCallWithoutStreamUrlIsToldTheLineIsUnavailable() throws Exception {
        VoiceWebhookHandler bare = new VoiceWebhookHandler(aws.services());
        Channel ch = pipecatChannel();
        HttpResponse r = bare.respond(
                Deliveries.twilio(ch, "", twilioParams("CA" + "3".repeat(32), "+14155550126", "ringing", false)));
        assertEquals(200, r.status());
        assertEquals("text/xml", r.headers().get("content-type"));
        assertTrue(
                r.body().contains("<Say>")
                        && r.body().contains("unavailable")
                        && r.body().endsWith("<Hangup/></Response>"),
                r.body());
        assertFalse(r.body().contains("<Connect>"));
    }

    @Test
    void botEventLifecycleCountsEachTurnOnce() throws Exception {
        Channel ch = pipecatChannel();
        String iid = ch.instanceId();
        String sid = "CA" + "4".repeat(32);
        assertOk(send(
                Deliveries.bot(ch, botBody("call.started", UUID.randomUUID().toString(), sid, "+14155550127"))));
        assertEquals(1, activeCalls(iid));
        List<String> turns = List.of(
                UUID.randomUUID().toString(),
                UUID.randomUUID().toString(),
                UUID.randomUUID().toString());
        for (String t : turns) {
            assertOk(send(Deliveries.bot(ch, botBody("call.turn", t, sid, "+14155550127"))));
        }
        for (String t : turns) {
            assertIgnored(send(Deliveries.bot(ch, botBody("call.turn", t, sid, "+14155550127"))));
        }
        assertOneCall(calls(iid), sid, "+14155550127", "in_progress", 3);
        assertOk(send(Deliveries.bot(ch, botBody("call.ended", UUID.randomUUID().toString(), sid, "+14155550127"))));
        assertEquals(0, activeCalls(iid));
        assertEquals(0, calls(iid).size());
        assertIgnored(
                send(Deliveries.bot(ch, botBody("call.turn", UUID.randomUUID().toString(), sid, "+14155550127"))));
        assertIgnored(send(
                Deliveries.bot(ch, botBody("call.started", UUID.randomUUID().toString(), sid, "+14155550127"))));
        assertEquals("3", callItem(iid, sid).get("turns").n());
        assertEquals(0, activeCalls(iid));
        // Unknown bot events are acknowledged.
        assertIgnored(send(Deliveries.bot(ch, "{\"event\":\"call.dtmf\",\"call_id\":\"" + sid + "\"}")));
    }

    @Test
    void badMissingOrStaleSignatureIs401AndWritesNothing() throws Exception {
        Channel retell = retellChannel();
        Channel pipecat = pipecatChannel();
        String body = retellBody("call_started", "call_x", "+14155550128", 0);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        long now = System.currentTimeMillis();
        String sid = "CA" + "5".repeat(32);
        List<Map.Entry<String, String>> params = twilioParams(sid, "+14155550129", "ringing", false);
        String botEvent = botBody("call.started", UUID.randomUUID().toString(), sid, "+14155550129");
        byte[] botBytes = botEvent.getBytes(StandardCharsets.UTF_8);
        List<ObjectNode> bad = List.of(
                Deliveries.json(
                        retell.instanceId(), "x-retell-signature", TimestampedHmac.sign(bytes, "other-key", now), body),
                Deliveries.json(
                        retell.instanceId(),
                        "x-retell-signature",
                        TimestampedHmac.sign(bytes, retell.secret("api_key"), now - 300_001),
                        body),
                Deliveries.json(
                        retell.instanceId(),
                        "x-retell-signature",
                        TimestampedHmac.sign(bytes, retell.secret("api_key"), now + 360_000),
                        body),
                Deliveries.json(retell.instanceId(), "x-retell-signature", null, body),
                Deliveries.json(
                        retell.instanceId(),
                        "x-retell-signature",
                        TimestampedHmac.sign(bytes, retell.secret("api_key"), now),
                        body + " "),
                Deliveries.json(
                        retell.instanceId(),
                        "x-retell-signature",
                        TimestampedHmac.sign(bytes, retell.secret("api_key"), now)
                                .toUpperCase()
                                .replace("V=", "v=")
                                .replace(",D=", ",d="),
                        body),
                // A valid-looking signature in another provider's header is not Retell's.
                Deliveries.json(
                        retell.instanceId(),
                        "x-hydra-signature",
                        TimestampedHmac.sign(bytes, retell.secret("api_key"), now),
                        body),
                Deliveries.json(
                        pipecat.instanceId(),
                        "x-hydra-signature",
                        TimestampedHmac.sign(botBytes, "wrong-secret-0000", now),
                        botEvent),
                Deliveries.json(pipecat.instanceId(), "x-hydra-signature", null, botEvent),
                // The Twilio auth token is not the bot's secret.
                Deliveries.json(
                        pipecat.instanceId(),
                        "x-hydra-signature",
                        TimestampedHmac.sign(botBytes, pipecat.secret("twilio_auth_token"), now),
                        botEvent),
                Deliveries.twilioSigned(
                        pipecat.instanceId(),
                        "",
                        params,
                        TwilioSignature.sign(pipecat.webhookUrl(), params, "wrong-token")),
                Deliveries.twilioSigned(pipecat.instanceId(), "", params, null),
                // A Retell-style signature means nothing on a pipecat channel.
                Deliveries.json(
                        pipecat.instanceId(),
                        "x-retell-signature",
                        TimestampedHmac.sign(botBytes, pipecat.secret("webhook_secret"), now),
                        botEvent),
                // A body that is not form encoding at all has nothing a Twilio signature could cover.
                Deliveries.request(
                        pipecat.instanceId(),
                        "",
                        List.of(
                                Map.entry("content-type", "application/x-www-form-urlencoded"),
                                Map.entry(
                                        "x-twilio-signature",
                                        TwilioSignature.sign(
                                                pipecat.webhookUrl(), List.of(), pipecat.secret("twilio_auth_token")))),
                        "CallSid=%zz&CallStatus=ringing".getBytes(StandardCharsets.UTF_8)),
                Deliveries.twilioSigned(
                        pipecat.instanceId(),
                        "",
                        params,
                        TwilioSignature.sign(
                                "https://evil.example/v1/webhooks/voice/" + pipecat.instanceId(),
                                params,
                                pipecat.secret("twilio_auth_token"))));
        List<Map<String, AttributeValue>> retellBefore = items(retell.instanceId());
        List<Map<String, AttributeValue>> pipecatBefore = items(pipecat.instanceId());
        for (int i = 0; i < bad.size(); i++) {
            HttpResponse r = send(bad.get(i));
            assertEquals(401, r.status(), "case " + i);
            assertEquals("{\"detail\":\"Invalid signature\"}", r.body(), "case " + i);
        }
        assertEquals(retellBefore, items(retell.instanceId()));
        assertEquals(pipecatBefore, items(pipecat.instanceId()));
        assertEquals(0, activeCalls(retell.instanceId()));
        assertEquals(0, activeCalls(pipecat.instanceId()));
    }

    @Test
    void noChannelIs404() throws Exception {
        String registered = aws.registerInstance(caller);
        String body = retellBody("call_started", "call_y", "+14155550130", 0);
        for (String iid : List.of(registered, UUID.randomUUID().toString())) {
            HttpResponse r = send(Deliveries.json(
                    iid,
                    "x-retell-signature",
                    TimestampedHmac.sign(body.getBytes(StandardCharsets.UTF_8), "any", System.currentTimeMillis()),
                    body));
            assertEquals(404, r.status());
            assertEquals("{\"detail\":\"Voice channel not configured\"}", r.body());
        }
        // After a teardown, the old channel's signed events are refused the same way and write nothing.
        Channel ch = retellChannel();
        channels.teardown(ch.instanceId(), ch.generation());
        HttpResponse r = send(Deliveries.retell(ch, body));
        assertEquals(404, r.status());
        assertEquals(1, items(ch.instanceId()).size(), "only the registration remains");
    }

    @Test
    void oversizedBodyIs413BeforeAnythingElse() throws Exception {
        // The webhook's cap is Lambda's synchronous payload (6 MB), not the management routes' 64 KiB.
        Channel ch = retellChannel();
        String pad = "x".repeat(6 * 1024 * 1024);
        String body = "{\"event\":\"call_started\",\"call\":{\"call_id\":\"call_big\",\"pad\":\"" + pad + "\"}}";
        HttpResponse r = send(Deliveries.retell(ch, body));
        assertEquals(413, r.status());
        assertEquals(
                "Request body too large",
                Json.MAPPER.readTree(r.body()).path("detail").asText());
        assertEquals(0, activeCalls(ch.instanceId()));
        // Exactly at the cap is read (and here, refused only for its signature).
        String exact = "y".repeat(6 * 1024 * 1024);
        assertEquals(
                401,
                send(Deliveries.json(ch.instanceId(), "x-retell-signature", "v=1,d=" + "0".repeat(64), exact))
                        .status());
    }

    @Test
    void fullSizeCallEndedIsReadUpToLambdasPayloadLimit() throws Exception {
        Channel ch = retellChannel();
        for (int size : new int[] {440 * 1024, 5_900_000}) {
            String callId = "call_full_" + size;
            assertOk(send(Deliveries.retell(ch, retellBody("call_started", callId, "+14155550140", 0))));
            assertEquals(1, activeCalls(ch.instanceId()));
            RetellCallEvents.Event ended =
                    RetellCallEvents.callEnded(callId, "agent_test", "+14155550140", size - 3000);
            String body = ended.json();
            int turns = ended.turns();
            assertTrue(body.length() > size - 6000 && body.length() <= size, "size " + body.length());
            assertOk(send(Deliveries.retell(ch, body)));
            assertEquals(0, activeCalls(ch.instanceId()), "the end of a long call stops it counting");
            assertEquals(
                    turns,
                    Integer.parseInt(callItem(ch.instanceId(), callId)
                            .get(TableLayout.TURNS)
                            .n()));
            // call_analyzed, as large, is acknowledged and changes nothing.
            assertIgnored(send(
                    Deliveries.retell(ch, body.replace("\"event\":\"call_ended\"", "\"event\":\"call_analyzed\""))));
        }
    }

    @Test
    void anotherAgentsCallOrOneWithoutAnAgentIsIgnoredAndWritesNothing() throws Exception {
        Channel ch = retellChannel();
        List<Map<String, AttributeValue>> before = items(ch.instanceId());
        String other = retellBody("call_started", "call_other_agent", "+14155550141", 0)
                .replace("agent_test", "agent_other");
        String none = retellBody("call_started", "call_no_agent", "+14155550141", 0)
                .replace("\"agent_id\":\"agent_test\",", "");
        String nullAgent =
                retellBody("call_started", "call_null_agent", "+14155550141", 0).replace("\"agent_test\"", "null");
        for (String body : List.of(
                other,
                none,
                nullAgent,
                RetellCallEvents.callEnded("call_other_agent", "agent_other", "+14155550141", 4096)
                        .json())) {
            assertIgnored(send(Deliveries.retell(ch, body)));
        }
        assertEquals(before, items(ch.instanceId()));
        assertEquals(0, activeCalls(ch.instanceId()));
        // This channel's agent still counts.
        assertOk(send(Deliveries.retell(ch, retellBody("call_started", "call_own_agent", "+14155550141", 0))));
        assertEquals(1, activeCalls(ch.instanceId()));
    }

    @Test
    void unsignedMalformedOrStaleSignaturesCostNoDynamoOrKmsCall() throws Exception {
        Channel retell = retellChannel();
        Channel pipecat = pipecatChannel();
        String body = retellBody("call_started", "call_cheap", "+14155550142", 0);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        long now = System.currentTimeMillis();
        String key = retell.secret("api_key");
        List<Map.Entry<String, String>> params = twilioParams("CA" + "6".repeat(32), "+14155550143", "ringing", false);
        List<ObjectNode> cheap = List.of(
                Deliveries.json(retell.instanceId(), "x-retell-signature", null, body),
                Deliveries.json(retell.instanceId(), "x-retell-signature", "", body),
                Deliveries.json(retell.instanceId(), "x-retell-signature", "v=" + now + ",d=" + "z".repeat(64), body),
                Deliveries.json(
                        retell.instanceId(),
                        "x-retell-signature",
                        TimestampedHmac.sign(bytes, key, now).substring(0, 70),
                        body),
                Deliveries.json(
                        retell.instanceId(), "x-retell-signature", " " + TimestampedHmac.sign(bytes, key, now), body),
                Deliveries.json(
                        retell.instanceId(),
                        "x-retell-signature",
                        TimestampedHmac.sign(bytes, key, now - 300_001),
                        body),
                Deliveries.json(
                        retell.instanceId(),
                        "x-retell-signature",
                        TimestampedHmac.sign(bytes, key, now + 360_000),
                        body),
                Deliveries.json(
                        pipecat.instanceId(),
                        "x-hydra-signature",
                        TimestampedHmac.sign(bytes, "k", now - 3_600_000),
                        body),
                Deliveries.twilioSigned(pipecat.instanceId(), "", params, null),
                Deliveries.twilioSigned(pipecat.instanceId(), "", params, "not base64!"),
                Deliveries.twilioSigned(
                        pipecat.instanceId(), "", params, Base64.getEncoder().encodeToString(new byte[32])),
                // A Twilio-looking signature on a JSON body is no signature at all.
                Deliveries.json(
                        retell.instanceId(),
                        "x-twilio-signature",
                        Base64.getEncoder().encodeToString(new byte[20]),
                        body));
        try (CountingProxy proxy = new CountingProxy(aws.aws().endpoint())) {
            Services counted = new Services(
                    aws.settings(),
                    new AwsClients(
                            aws.aws().region(), proxy.endpoint(), aws.aws().credentials()),
                    Clock.systemUTC());
            VoiceWebhookHandler h = new VoiceWebhookHandler(counted);
            for (int i = 0; i < cheap.size(); i++) {
                HttpResponse r = h.respond(cheap.get(i));
                assertEquals(401, r.status(), "case " + i);
                assertEquals("{\"detail\":\"Invalid signature\"}", r.body(), "case " + i);
            }
            assertEquals(Map.of(), proxy.counts(), "no DynamoDB or KMS request for any of them");
            // A well-formed, fresh header is worth one read (and one decryption) to check.
            assertEquals(
                    401,
                    h.respond(Deliveries.json(
                                    retell.instanceId(),
                                    "x-retell-signature",
                                    TimestampedHmac.sign(bytes, "not-the-key", now),
                                    body))
                            .status());
            assertEquals(Map.of("DynamoDB_20120810.BatchGetItem", 1, "TrentService.Decrypt", 1), proxy.counts());
        }
    }

    @Test
    void undecryptableCredentialsAre401WithOneWarnNamingTheInstance() throws Exception {
        Channel ch = retellChannel();
        // Credentials sealed for another instance do not open here (the instance id is their KMS context and AAD).
        Channel elsewhere = retellChannel();
        Map<String, AttributeValue> foreign = aws.dynamo()
                .getItem(g -> g.tableName(aws.resources().tableName())
                        .key(TableLayout.instanceKey(elsewhere.instanceId()))
                        .consistentRead(true))
                .item();
        aws.dynamo()
                .updateItem(u -> u.tableName(aws.resources().tableName())
                        .key(TableLayout.instanceKey(ch.instanceId()))
                        .updateExpression("SET #d = :d, #c = :c")
                        .expressionAttributeNames(
                                Map.of("#d", TableLayout.DATA_KEY, "#c", TableLayout.SEALED_CREDENTIALS))
                        .expressionAttributeValues(Map.of(
                                ":d",
                                foreign.get(TableLayout.DATA_KEY),
                                ":c",
                                foreign.get(TableLayout.SEALED_CREDENTIALS))));
        List<Map<String, AttributeValue>> before = items(ch.instanceId());
        java.io.PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        HttpResponse r;
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            r = new VoiceWebhookHandler(aws.services())
                    .respond(Deliveries.retell(ch, retellBody("call_started", "call_sealed", "+14155550144", 0)));
        } finally {
            System.setErr(original);
        }
        assertEquals(401, r.status(), r.body());
        assertEquals("{\"detail\":\"Invalid signature\"}", r.body());
        List<String> all = captured.toString(StandardCharsets.UTF_8)
                .lines()
                .filter(l -> l.startsWith("{"))
                .toList();
        // One WARN naming the instance, beside the invocation's own (INFO) access line.
        List<String> lines =
                all.stream().filter(l -> l.contains("\"level\":\"WARN\"")).toList();
        assertEquals(1, lines.size(), all.toString());
        assertEquals(
                1, all.stream().filter(l -> !l.contains("\"level\":\"WARN\"")).count(), all.toString());
        JsonNode line = Json.MAPPER.readTree(lines.get(0));
        assertEquals("WARN", line.path("level").asText());
        assertEquals(ch.instanceId(), line.path("instance_id").asText());
        for (String l : all) {
            assertFalse(l.contains(ch.secret("api_key")) || l.contains(elsewhere.secret("api_key")));
        }
        assertEquals(before, items(ch.instanceId()));
    }

    @Test
    void bodyBytesThatAreNotUtf8Are422JsonInvalidAndWriteNothing() throws Exception {
        Channel ch = retellChannel();
        String good = retellBody("call_started", "call_utf8", "+14155550145", 0);
        List<Map<String, AttributeValue>> before = items(ch.instanceId());
        for (byte[] bad : List.of(
                new byte[] {(byte) 0xFF},
                new byte[] {(byte) 0xC3},
                new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                new byte[] {(byte) 0xC0, (byte) 0xAF})) {
            byte[] head = good.substring(0, good.indexOf("+1415")).getBytes(StandardCharsets.UTF_8);
            byte[] tail = good.substring(good.indexOf("+1415")).getBytes(StandardCharsets.UTF_8);
            byte[] body = new byte[head.length + bad.length + tail.length];
            System.arraycopy(head, 0, body, 0, head.length);
            System.arraycopy(bad, 0, body, head.length, bad.length);
            System.arraycopy(tail, 0, body, head.length + bad.length, tail.length);
            ObjectNode event = Deliveries.request(
                    ch.instanceId(),
                    "",
                    List.of(
                            Map.entry("content-type", "application/json"),
                            Map.entry(
                                    "x-retell-signature",
                                    TimestampedHmac.sign(body, ch.secret("api_key"), System.currentTimeMillis()))),
                    new byte[0]);
            // Bytes that are not text reach a function base64-encoded.
            event.put("body", Base64.getEncoder().encodeToString(body));
            event.put("isBase64Encoded", true);
            HttpResponse r = send(event);
            assertEquals(422, r.status(), r.body());
            assertEquals(
                    "json_invalid",
                    Json.MAPPER
                            .readTree(r.body())
                            .path("detail")
                            .get(0)
                            .path("type")
                            .asText());
        }
        assertEquals(before, items(ch.instanceId()));
    }

    @Test
    void callerNumbersOverTheirBoundAreNotStoredButTheCallCounts() throws Exception {
        Channel ch = retellChannel();
        String longCaller = "sip:" + "a".repeat(60) + "@example.com";
        assertOk(send(Deliveries.retell(ch, retellBody("call_started", "call_long_caller", longCaller, 0))));
        assertEquals(1, activeCalls(ch.instanceId()));
        assertTrue(calls(ch.instanceId()).get(0).path("caller_phone").isNull());
        String max = "+" + "1".repeat(31);
        assertOk(send(Deliveries.retell(ch, retellBody("call_started", "call_max_caller", max, 0))));
        assertEquals(max, calls(ch.instanceId()).get(1).path("caller_phone").asText());
        // A call id over 128 characters is refused (422), as every call id that is not a key-safe id is.
        HttpResponse r = send(Deliveries.retell(ch, retellBody("call_started", "c".repeat(129), "+14155550146", 0)));
        assertEquals(422, r.status());
        assertEquals(2, activeCalls(ch.instanceId()));
    }

    @Test
    void signedButMalformedIs422AndWritesNothing() throws Exception {
        Channel retell = retellChannel();
        Channel pipecat = pipecatChannel();
        record Case(ObjectNode event, String type, List<String> loc) {}
        List<Case> cases = List.of(
                new Case(
                        Deliveries.retell(retell, "{\"event\":\"call_started\",\"call\":"),
                        "json_invalid",
                        List.of("body")),
                new Case(Deliveries.retell(retell, "[\"call_started\"]"), "model_attributes_type", List.of("body")),
                new Case(
                        Deliveries.retell(retell, "{\"call\":{\"call_id\":\"c1\"}}"),
                        "missing",
                        List.of("body", "event")),
                new Case(
                        Deliveries.retell(retell, "{\"event\":\"call_started\",\"call\":{}}"),
                        "missing",
                        List.of("body", "call", "call_id")),
                new Case(
                        Deliveries.retell(retell, "{\"event\":\"call_started\",\"call\":{\"call_id\":\"a#b\"}}"),
                        "string_pattern_mismatch",
                        List.of("body", "call", "call_id")),
                new Case(
                        Deliveries.bot(pipecat, "{\"event\":\"call.turn\",\"call_id\":\"CA1\"}"),
                        "missing",
                        List.of("body", "event_id")),
                new Case(
                        Deliveries.twilio(
                                pipecat, "", List.of(Map.entry("CallStatus", "ringing"), Map.entry("From", "+1"))),
                        "missing",
                        List.of("body", "CallSid")));
        List<Map<String, AttributeValue>> retellBefore = items(retell.instanceId());
        List<Map<String, AttributeValue>> pipecatBefore = items(pipecat.instanceId());
        for (Case c : cases) {
            HttpResponse r = send(c.event());
            assertEquals(422, r.status(), c.toString());
            JsonNode d = Json.MAPPER.readTree(r.body()).path("detail").get(0);
            assertEquals(c.type(), d.path("type").asText(), c.toString());
            assertEquals(Json.MAPPER.valueToTree(c.loc()), d.path("loc"), c.toString());
        }
        assertEquals(retellBefore, items(retell.instanceId()));
        assertEquals(pipecatBefore, items(pipecat.instanceId()));
        // Unsigned garbage is a signature problem first.
        assertEquals(
                401,
                send(Deliveries.json(retell.instanceId(), "x-retell-signature", null, "{nope"))
                        .status());
    }

    @Test
    void malformedInstanceIdIs422() throws Exception {
        HttpResponse r = send(Deliveries.json("not-a-uuid", "x-retell-signature", null, "{}"));
        assertEquals(422, r.status());
        assertEquals(
                "uuid_parsing",
                Json.MAPPER
                        .readTree(r.body())
                        .path("detail")
                        .get(0)
                        .path("type")
                        .asText());
    }

    @Test
    void base64EncodedJsonBodyIsVerifiedOverItsDecodedBytes() throws Exception {
        Channel ch = retellChannel();
        String body = retellBody("call_started", "call_b64", "+14155550131", 1);
        ObjectNode event = Deliveries.retell(ch, body);
        event.put("body", Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)));
        event.put("isBase64Encoded", true);
        assertOk(send(event));
        assertOneCall(calls(ch.instanceId()), "call_b64", "+14155550131", "in_progress", 1);
        // Non-ASCII caller names and the like survive: signature over the exact bytes.
        String unicode =
                "{\"event\":\"call_started\",\"call\":{\"call_id\":\"call_u\",\"agent_id\":\"agent_test\",\"from_number\":\"+14155550132\",\"name\":\"Zoë ☎\"}}";
        assertOk(send(Deliveries.retell(ch, unicode)));
        assertEquals(2, activeCalls(ch.instanceId()));
    }

    @Test
    void hotPathIsOneReadAndOneWriteAndNoKmsOnceTheDataKeyIsCached() throws Exception {
        Channel ch = retellChannel();
        try (CountingProxy proxy = new CountingProxy(aws.aws().endpoint())) {
            Services counted = new Services(
                    aws.settings(),
                    new AwsClients(
                            aws.aws().region(), proxy.endpoint(), aws.aws().credentials()),
                    Clock.systemUTC());
            VoiceWebhookHandler h = new VoiceWebhookHandler(counted);
            // Cold: the data key is decrypted once.
            assertOk(h.respond(Deliveries.retell(ch, retellBody("call_started", "call_hot", "+14155550133", 0))));
            assertEquals(
                    Map.of(
                            "DynamoDB_20120810.BatchGetItem",
                            1,
                            "DynamoDB_20120810.TransactWriteItems",
                            1,
                            "TrentService.Decrypt",
                            1),
                    proxy.counts());
            proxy.reset();
            assertOk(h.respond(Deliveries.retell(ch, retellBody("transcript_updated", "call_hot", "+14155550133", 2))));
            assertEquals(
                    Map.of("DynamoDB_20120810.BatchGetItem", 1, "DynamoDB_20120810.TransactWriteItems", 1),
                    proxy.counts());
            proxy.reset();
            // A duplicate is decided by the read alone.
            assertIgnored(
                    h.respond(Deliveries.retell(ch, retellBody("transcript_updated", "call_hot", "+14155550133", 2))));
            assertEquals(Map.of("DynamoDB_20120810.BatchGetItem", 1), proxy.counts());
            proxy.reset();
            assertOk(h.respond(Deliveries.retell(ch, retellBody("call_ended", "call_hot", "+14155550133", 2))));
            assertEquals(
                    Map.of("DynamoDB_20120810.BatchGetItem", 1, "DynamoDB_20120810.TransactWriteItems", 1),
                    proxy.counts());
        }
        assertEquals(0, activeCalls(ch.instanceId()));
    }

    @Test
    void dependencyOutageIs503AndWritesNothing() throws Exception {
        Channel ch = retellChannel();
        List<Map<String, AttributeValue>> before = items(ch.instanceId());
        HttpResponse r = new VoiceWebhookHandler(aws.unreachableServices())
                .respond(Deliveries.retell(ch, retellBody("call_started", "call_down", "+14155550134", 0)));
        assertEquals(503, r.status());
        assertEquals("1", r.headers().get("retry-after"));
        assertEquals(before, items(ch.instanceId()));
    }

    @Test
    void noSecretOrSignatureReachesLogsOrResponses() throws Exception {
        Channel ch = retellChannel();
        String key = ch.secret("api_key");
        String body = retellBody("call_started", "call_logs", "+14155550135", 0);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String good = TimestampedHmac.sign(bytes, key, System.currentTimeMillis());
        String forged = TimestampedHmac.sign(bytes, key + "x", System.currentTimeMillis());
        java.io.PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        List<HttpResponse> responses = new java.util.ArrayList<>();
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            responses.add(send(Deliveries.json(ch.instanceId(), "x-retell-signature", forged, body)));
            responses.add(send(Deliveries.json(ch.instanceId(), "x-retell-signature", good, body)));
            responses.add(send(
                    Deliveries.retell(ch, "{\"event\":\"call_started\",\"call\":{\"call_id\":\"" + key + "#\"}}")));
            responses.add(new VoiceWebhookHandler(aws.unreachableServices())
                    .respond(Deliveries.json(ch.instanceId(), "x-retell-signature", good, body)));
        } finally {
            System.setErr(original);
        }
        assertEquals(
                List.of(401, 200, 422, 503),
                responses.stream().map(HttpResponse::status).toList());
        String logs = captured.toString(StandardCharsets.UTF_8);
        assertTrue(logs.contains("dependency unavailable"), "the outage was logged: " + logs);
        for (String secret :
                List.of(key, good.substring(good.indexOf("d=") + 2), forged.substring(forged.indexOf("d=") + 2))) {
            assertFalse(logs.contains(secret), "a secret or signature reached the logs");
            for (HttpResponse r : responses) {
                assertFalse(r.body().contains(secret), "a secret or signature reached a response");
            }
        }
    }

    @Test
    void sampleEventsDriveTheLambdaEntryPoint() throws Exception {
        Channel retell = retellChannel();
        ObjectNode sample = (ObjectNode)
                Json.MAPPER.readTree(Files.readAllBytes(ProjectPaths.root().resolve("events/voice-webhook.json")));
        // The sample's call belongs to the demo agent; the test channel's agent is agent_test.
        String body =
                sample.path("body").asText().replace("\"agent_id\":\"agent_demo\"", "\"agent_id\":\"agent_test\"");
        sample.put("body", body);
        assertTrue(Json.MAPPER.readTree(body).path("event").asText().equals("call_started"));
        retarget(sample, retell.instanceId());
        ((ObjectNode) sample.path("headers"))
                .put(
                        "x-retell-signature",
                        TimestampedHmac.sign(
                                body.getBytes(StandardCharsets.UTF_8),
                                retell.secret("api_key"),
                                System.currentTimeMillis()));
        JsonNode response = invoke(sample);
        assertEquals(200, response.path("statusCode").asInt());
        assertEquals("{\"status\":\"ok\"}", response.path("body").asText());
        assertEquals(1, activeCalls(retell.instanceId()));

        Channel pipecat = pipecatChannel();
        ObjectNode twilio = (ObjectNode) Json.MAPPER.readTree(
                Files.readAllBytes(ProjectPaths.root().resolve("events/voice-webhook-twilio.json")));
        assertTrue(twilio.path("isBase64Encoded").asBoolean());
        byte[] form = Base64.getDecoder().decode(twilio.path("body").asText());
        List<Map.Entry<String, String>> params =
                dev.hydracore.voice.core.webhook.TwilioForm.parse(form).pairs();
        retarget(twilio, pipecat.instanceId());
        ((ObjectNode) twilio.path("headers"))
                .put(
                        "x-twilio-signature",
                        TwilioSignature.sign(pipecat.webhookUrl(), params, pipecat.secret("twilio_auth_token")));
        JsonNode twiml = invoke(twilio);
        assertEquals(200, twiml.path("statusCode").asInt());
        assertEquals("text/xml", twiml.path("headers").path("content-type").asText());
        assertTrue(twiml.path("body").asText().contains("<Connect><Stream url="), twiml.toString());
        assertEquals(1, activeCalls(pipecat.instanceId()));
    }

    static void retarget(ObjectNode sample, String iid) {
        ((ObjectNode) sample.path("pathParameters")).put("instance_id", iid);
        sample.put("rawPath", "/v1/webhooks/voice/" + iid);
        ((ObjectNode) sample.path("requestContext").path("http")).put("path", "/v1/webhooks/voice/" + iid);
    }

    static JsonNode invoke(ObjectNode event) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        webhook.handleRequest(new ByteArrayInputStream(Json.MAPPER.writeValueAsBytes(event)), out, null);
        return Json.MAPPER.readTree(out.toByteArray());
    }
}
