package dev.hydracore.voice.setup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.provider.ProviderCleanup;
import dev.hydracore.voice.core.provider.SetupWiring;
import dev.hydracore.voice.core.store.TableLayout;
import dev.hydracore.voice.fakes.Fault;
import dev.hydracore.voice.fakes.ProviderFakes;
import dev.hydracore.voice.fakes.RetellAgent;
import dev.hydracore.voice.fakes.RetellAgentWeight;
import dev.hydracore.voice.fakes.RetellNumber;
import dev.hydracore.voice.fakes.TwilioAccount;
import dev.hydracore.voice.fakes.TwilioNumber;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.tooling.ApiEvents;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Setup's provider wiring against the stateful fakes behind {@code prism proxy --errors} on the
 * providers' own documents, with the emulator's DynamoDB and KMS: every test ends by checking that
 * Prism rejected no request we sent and no answer the fakes gave.
 */
class SetupWiringIT {
    static final String ROUTE = "POST /v1/instances/{instance_id}/channels/voice";
    static final String OLD_URL = "https://old.example.com/voice";
    static TestAws aws;
    static ProviderFakes fakes;
    static Settings settings;
    static SetupVoiceHandler handler;
    static TestCaller caller;

    @BeforeAll
    static void start() throws Exception {
        aws = TestAws.shared();
        fakes = ProviderFakes.start();
        settings = aws.settings()
                .with(Settings.TWILIO_API_BASE_URL, fakes.twilioBaseUrl().toString())
                .with(Settings.RETELL_API_BASE_URL, fakes.retellBaseUrl().toString());
        handler = new SetupVoiceHandler(aws.services(settings));
        caller = aws.newCaller();
    }

    @AfterAll
    static void stop() {
        if (fakes != null) {
            fakes.close();
        }
    }

    @AfterEach
    void prismRejectedNothing() {
        fakes.assertPrismRejectedNothing();
    }

    static String e164() {
        return "+1415" + (1000000 + new Random().nextInt(8999999));
    }

    static HttpResponse post(SetupVoiceHandler h, String iid, String body) {
        return post(h, iid, body, null);
    }

    static HttpResponse post(SetupVoiceHandler h, String iid, String body, String idempotencyKey) {
        Map<String, String> headers = new HashMap<>(caller.bearer());
        if (idempotencyKey != null) {
            headers.put("Idempotency-Key", idempotencyKey);
        }
        ObjectNode event = ApiEvents.of(
                "POST", "/v1/instances/" + iid + "/channels/voice", ROUTE, Map.of("instance_id", iid), headers, body);
        return h.respond(event);
    }

    static HttpResponse post(String iid, String body) {
        return post(handler, iid, body);
    }

    static String webhookUrl(String iid) {
        return settings.webhookUrl(iid);
    }

    static String pipecat(TwilioAccount account, String number, String token) {
        ObjectNode b = Json.object();
        b.put("provider", "pipecat");
        b.put("twilio_account_sid", account.sid());
        b.put("twilio_auth_token", token);
        b.put("twilio_phone_number", number);
        b.put("webhook_secret", "whsec_" + "s".repeat(20));
        b.put("deepgram_api_key", "dg_key");
        b.put("openai_api_key", "oa_key");
        b.put("cartesia_api_key", "ca_key");
        return b.toString();
    }

    static String retell(String apiKey, String agentId, String number) {
        ObjectNode b = Json.object();
        b.put("provider", "retell");
        b.put("api_key", apiKey);
        b.put("agent_id", agentId);
        b.put("phone_number", number);
        return b.toString();
    }

    static TwilioAccount twilioAccount() {
        return fakes.twilio().addAccount(TwilioAccount.random());
    }

    static TwilioNumber twilioNumber(TwilioAccount account) {
        return fakes.twilio()
                .addNumber(TwilioNumber.of(account.sid(), e164())
                        .withVoiceUrl(OLD_URL)
                        .withStatusCallback(OLD_URL + "/status"));
    }

    static String retellKey() {
        return fakes.retell().addApiKey();
    }

    static RetellNumber retellNumber(String agentId) {
        return fakes.retell()
                .addNumber(RetellNumber.of(e164()).withInboundAgent(agentId).withInboundWebhookUrl(OLD_URL));
    }

    static RetellAgent agent() {
        return fakes.retell().addAgent(RetellAgent.random().withWebhookUrl(OLD_URL));
    }

    static JsonNode json(HttpResponse r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }

    static Map<String, AttributeValue> item(String iid) {
        return aws.dynamo()
                .getItem(g -> g.tableName(aws.resources().tableName())
                        .key(TableLayout.instanceKey(iid))
                        .consistentRead(true))
                .item();
    }

    static int writes() {
        return fakes.twilio().acceptedWrites().size()
                + fakes.retell().acceptedWrites().size();
    }

    static int requests() {
        return fakes.twilio().requests().size() + fakes.retell().requests().size();
    }

    static void assertLoc(HttpResponse r, String field, String... words) throws Exception {
        assertEquals(422, r.status(), r.body());
        JsonNode d = json(r).path("detail");
        assertEquals(1, d.size(), r.body());
        assertEquals("[\"body\",\"" + field + "\"]", d.get(0).path("loc").toString());
        for (String w : words) {
            assertTrue(d.get(0).path("msg").asText().contains(w), r.body());
        }
    }

    @Test
    void aTwilioSetupPointsTheNumberAtTheWebhookAndStoresWhatWasThere() throws Exception {
        TwilioAccount account = twilioAccount();
        TwilioNumber number = twilioNumber(account);
        String iid = aws.registerInstance(caller);
        int before = requests();
        HttpResponse r = post(iid, pipecat(account, number.phoneNumber(), account.authToken()));
        assertEquals(200, r.status(), r.body());
        assertTrue(json(r).path("provider_wiring").asBoolean());
        TwilioNumber now = fakes.twilio().number(number.sid()).orElseThrow();
        assertEquals(webhookUrl(iid), now.voiceUrl());
        assertEquals("POST", now.voiceMethod());
        assertEquals(webhookUrl(iid), now.statusCallback());
        assertEquals("POST", now.statusCallbackMethod());
        // One list (exact match found), one update.
        assertEquals(2, requests() - before);
        String stored = item(iid).get(TableLayout.PROVIDER_WIRING).s();
        assertTrue(stored.contains(OLD_URL), "the previous voice URL is stored");
        assertFalse(stored.contains(account.authToken()), "no credential in the wiring record");
    }

    @Test
    void aRetellSetupRoutesTheNumberToTheAgentAndPointsTheAgentsWebhookAtUs() throws Exception {
        String key = retellKey();
        RetellAgent theirs = agent();
        RetellAgent ours = agent();
        RetellNumber number = retellNumber(theirs.agentId());
        String iid = aws.registerInstance(caller);
        HttpResponse r = post(iid, retell(key, ours.agentId(), number.phoneNumber()));
        assertEquals(200, r.status(), r.body());
        RetellNumber now = fakes.retell().number(number.phoneNumber()).orElseThrow();
        assertEquals(List.of(new RetellAgentWeight(ours.agentId(), 1.0)), now.inboundAgents());
        assertEquals(webhookUrl(iid), now.inboundWebhookUrl());
        assertEquals(
                webhookUrl(iid),
                fakes.retell().agent(ours.agentId()).orElseThrow().webhookUrl());
        assertEquals(
                OLD_URL, fakes.retell().agent(theirs.agentId()).orElseThrow().webhookUrl());
    }

    @Test
    void aReSetupThatChangesNothingMakesNoProviderWriteAndAMoveGivesTheOldNumberBack() throws Exception {
        TwilioAccount account = twilioAccount();
        TwilioNumber first = twilioNumber(account);
        TwilioNumber second = twilioNumber(account);
        String iid = aws.registerInstance(caller);
        assertEquals(
                200,
                post(iid, pipecat(account, first.phoneNumber(), account.authToken()))
                        .status());
        int unchanged = writes();
        int requests = requests();
        assertEquals(
                200,
                post(iid, "{\"provider\":\"pipecat\",\"max_concurrent_calls\":3}")
                        .status());
        assertEquals(unchanged, writes(), "nothing changed: no provider write");
        assertEquals(requests + 1, requests(), "one read: the number still holds our values");

        int writes = writes();
        HttpResponse moved =
                post(iid, "{\"provider\":\"pipecat\",\"twilio_phone_number\":\"" + second.phoneNumber() + "\"}");
        assertEquals(200, moved.status(), moved.body());
        assertEquals(
                webhookUrl(iid),
                fakes.twilio().number(second.sid()).orElseThrow().voiceUrl());
        TwilioNumber old = fakes.twilio().number(first.sid()).orElseThrow();
        assertEquals(OLD_URL, old.voiceUrl());
        assertEquals(OLD_URL + "/status", old.statusCallback());
        assertEquals(2, writes() - writes, "one write wires the new number, one restores the old");

        // A Retell channel moved to another number gives the old one its inbound agents back too.
        String key = retellKey();
        RetellAgent ours = agent();
        RetellAgent theirs = agent();
        RetellNumber rfirst = retellNumber(theirs.agentId());
        RetellNumber rsecond = retellNumber(theirs.agentId());
        String riid = aws.registerInstance(caller);
        assertEquals(
                200,
                post(riid, retell(key, ours.agentId(), rfirst.phoneNumber())).status());
        assertEquals(
                List.of(new RetellAgentWeight(ours.agentId(), 1.0)),
                fakes.retell().number(rfirst.phoneNumber()).orElseThrow().inboundAgents());
        HttpResponse rmoved =
                post(riid, "{\"provider\":\"retell\",\"phone_number\":\"" + rsecond.phoneNumber() + "\"}");
        assertEquals(200, rmoved.status(), rmoved.body());
        RetellNumber now = fakes.retell().number(rsecond.phoneNumber()).orElseThrow();
        assertEquals(List.of(new RetellAgentWeight(ours.agentId(), 1.0)), now.inboundAgents());
        assertEquals(webhookUrl(riid), now.inboundWebhookUrl());
        RetellNumber released = fakes.retell().number(rfirst.phoneNumber()).orElseThrow();
        assertEquals(
                List.of(new RetellAgentWeight(theirs.agentId(), 1.0)),
                released.inboundAgents(),
                "the old number's calls go to its previous agent again");
        assertEquals(OLD_URL, released.inboundWebhookUrl());
        assertEquals(
                webhookUrl(riid),
                fakes.retell().agent(ours.agentId()).orElseThrow().webhookUrl(),
                "the agent is still the channel's");
    }

    @Test
    void anIdempotentReplayWithWiringOnAnswersTheSameWithoutAnyProviderRequest() throws Exception {
        TwilioAccount account = twilioAccount();
        TwilioNumber number = twilioNumber(account);
        TwilioNumber other = twilioNumber(account);
        String iid = aws.registerInstance(caller);
        String key = "setup-" + UUID.randomUUID();
        String body = pipecat(account, number.phoneNumber(), account.authToken());
        HttpResponse first = post(handler, iid, body, key);
        assertEquals(200, first.status(), first.body());
        assertTrue(json(first).path("provider_wiring").asBoolean());
        assertEquals(
                webhookUrl(iid),
                fakes.twilio().number(number.sid()).orElseThrow().voiceUrl());
        int requests = requests();

        HttpResponse replay = post(handler, iid, body, key);
        assertEquals(200, replay.status(), replay.body());
        assertEquals(first.body(), replay.body(), "the first answer again");
        assertEquals(requests, requests(), "a replay makes no provider request");

        HttpResponse reused = post(handler, iid, pipecat(account, other.phoneNumber(), account.authToken()), key);
        assertEquals(422, reused.status(), reused.body());
        assertEquals(
                Json.MAPPER.readTree("{\"detail\":[{\"loc\":[\"header\",\"idempotency-key\"],"
                        + "\"msg\":\"Value error, this Idempotency-Key was already used with a different request\","
                        + "\"type\":\"value_error\"}]}"),
                json(reused));
        assertEquals(requests, requests(), "the same key with another body makes no provider request");
        assertEquals(OLD_URL, fakes.twilio().number(other.sid()).orElseThrow().voiceUrl());
        assertEquals(
                webhookUrl(iid),
                fakes.twilio().number(number.sid()).orElseThrow().voiceUrl());
    }

    @Test
    void aConcurrentChangesSecondRoundSharesTheFirstRoundsProviderDeadline() throws Exception {
        TwilioAccount account = twilioAccount();
        TwilioNumber number = twilioNumber(account);
        String iid = aws.registerInstance(caller);
        AtomicInteger saves = new AtomicInteger();
        // Every save of the channel meets a concurrent change, as if another setup won each race.
        Services raced = aws.services(settings, (operation, request, proceed) -> {
            if (operation.equals("updateItem")) {
                saves.incrementAndGet();
                throw ConditionalCheckFailedException.builder()
                        .message("injected: another writer won")
                        .build();
            }
            return proceed.call();
        });
        // Slow answers, each inside the 3 s request timeout: the first round's lookup, update and
        // undo take about 7.5 s. A second round with its own 12 s would take as long again (about
        // 15 s in all, past the bound); sharing the first round's deadline it has under 0.5 s to wire.
        fakes.twilio().inject(Fault.delay(Fault.ANY_OPERATION, 2_500, 6));
        long start = System.nanoTime();
        HttpResponse r =
                post(new SetupVoiceHandler(raced), iid, pipecat(account, number.phoneNumber(), account.authToken()));
        long millis = (System.nanoTime() - start) / 1_000_000;
        fakes.twilio().clearFaults();
        assertEquals(1, saves.get(), "the second round ran out of provider time before its save");
        assertEquals(503, r.status(), r.body());
        assertEquals("{\"detail\":\"Voice provider unavailable\"}", r.body());
        assertTrue(
                millis < SetupWiring.TOTAL.toMillis(),
                "both rounds within " + SetupWiring.TOTAL + ": " + millis + " ms");
        TwilioNumber now = fakes.twilio().number(number.sid()).orElseThrow();
        assertEquals(OLD_URL, now.voiceUrl(), "the first round was put back");
        assertEquals(OLD_URL + "/status", now.statusCallback());
        assertNull(item(iid).get(TableLayout.PROVIDER));
    }

    @Test
    void refusedCredentialsMissingObjectsAndRoutedNumbersAre422WithNothingStoredOrChanged() throws Exception {
        TwilioAccount account = twilioAccount();
        TwilioNumber number = twilioNumber(account);
        TwilioNumber routed = fakes.twilio()
                .addNumber(TwilioNumber.of(account.sid(), e164()).withVoiceApplicationSid("AP" + "0".repeat(32)));
        TwilioNumber trunked =
                fakes.twilio().addNumber(TwilioNumber.of(account.sid(), e164()).withTrunkSid("TK" + "0".repeat(32)));
        String key = retellKey();
        RetellAgent agent = agent();
        RetellNumber rnumber = retellNumber(agent.agentId());
        String iid = aws.registerInstance(caller);
        int writes = writes();

        assertLoc(
                post(iid, pipecat(account, number.phoneNumber(), "wrong_token_" + "x".repeat(20))),
                "twilio_auth_token",
                "Twilio refused");
        assertLoc(
                post(iid, pipecat(account, e164(), account.authToken())),
                "twilio_phone_number",
                "no incoming phone number");
        // A partial match is not a match: the list filter is a prefix, the number has more digits.
        assertLoc(
                post(iid, pipecat(account, number.phoneNumber().substring(0, 9), account.authToken())),
                "twilio_phone_number");
        assertLoc(
                post(iid, pipecat(account, routed.phoneNumber(), account.authToken())), "twilio_phone_number", "TwiML");
        assertLoc(
                post(iid, pipecat(account, trunked.phoneNumber(), account.authToken())),
                "twilio_phone_number",
                "trunk");
        assertLoc(
                post(iid, retell("key_wrong_" + "x".repeat(20), agent.agentId(), rnumber.phoneNumber())),
                "api_key",
                "Retell refused");
        // A key HTTP cannot carry in a header (a character beyond Latin-1, a line separator): no
        // Retell key, refused without a request (it was a 500: the JDK's client throws on it).
        for (String unsendable : List.of("key_\u0101" + "x".repeat(20), "key_x\u2028" + "x".repeat(20))) {
            HttpResponse r = post(iid, retell(unsendable, agent.agentId(), rnumber.phoneNumber()));
            assertLoc(r, "api_key", "Retell refused");
            assertFalse(r.body().contains("x".repeat(20)), "the key is not echoed, whole or in part");
        }
        assertLoc(
                post(iid, retell(key, "agent_" + UUID.randomUUID().toString().replace("-", ""), rnumber.phoneNumber())),
                "agent_id",
                "agent");
        assertLoc(post(iid, retell(key, agent.agentId(), e164())), "phone_number", "phone number");

        assertNull(item(iid).get(TableLayout.PROVIDER), "nothing stored");
        assertEquals(writes, writes(), "nothing changed at either provider");
        assertEquals(OLD_URL, fakes.twilio().number(number.sid()).orElseThrow().voiceUrl());
    }

    @Test
    void aProviderFailureMidwayPutsBackWhatChangedStoresNothingAndIs503() throws Exception {
        String key = retellKey();
        RetellAgent agent = agent();
        RetellAgent theirs = agent();
        RetellNumber number = retellNumber(theirs.agentId());
        String iid = aws.registerInstance(caller);
        for (int status : new int[] {500, 503, 429}) {
            fakes.retell().inject(Fault.status("updateAgent", status, 1));
            HttpResponse r = post(iid, retell(key, agent.agentId(), number.phoneNumber()));
            assertEquals(503, r.status(), r.body());
            assertEquals("{\"detail\":\"Voice provider unavailable\"}", r.body());
            assertTrue(r.headers().containsKey("retry-after"));
            RetellNumber now = fakes.retell().number(number.phoneNumber()).orElseThrow();
            assertEquals(List.of(new RetellAgentWeight(theirs.agentId(), 1.0)), now.inboundAgents(), "after " + status);
            assertEquals(OLD_URL, now.inboundWebhookUrl());
            assertEquals(
                    OLD_URL, fakes.retell().agent(agent.agentId()).orElseThrow().webhookUrl());
            assertNull(item(iid).get(TableLayout.PROVIDER));
        }
        fakes.retell().clearFaults();
    }

    @Test
    void aSlowProviderTimesOutWithin503AndAWriteThatLandsLateIsPutBack() throws Exception {
        TwilioAccount account = twilioAccount();
        TwilioNumber number = twilioNumber(account);
        String iid = aws.registerInstance(caller);
        fakes.twilio().inject(Fault.delay("UpdateIncomingPhoneNumber", 5000, 1));
        long start = System.nanoTime();
        HttpResponse r = post(iid, pipecat(account, number.phoneNumber(), account.authToken()));
        long millis = (System.nanoTime() - start) / 1_000_000;
        fakes.twilio().clearFaults();
        assertEquals(503, r.status(), r.body());
        assertTrue(millis < 12_000, "bounded: " + millis + " ms");
        assertNull(item(iid).get(TableLayout.PROVIDER));
        // The fake applies the timed-out write once its 5 s are over: after our undo, as a slow
        // provider can. The write was in doubt, so it was also left to the clean-up, which restores
        // the number where it still holds our values.
        long landsAt = start + 5_000_000_000L + 500_000_000L;
        Thread.sleep(Math.max(0, (landsAt - System.nanoTime()) / 1_000_000));
        assertEquals(
                webhookUrl(iid),
                fakes.twilio().number(number.sid()).orElseThrow().voiceUrl(),
                "the late write landed after the undo");
        Services services = aws.services(settings);
        assertTrue(
                services.cleanupJobs().due(Long.MAX_VALUE, 1000).stream()
                        .anyMatch(j -> j.instanceId().equals(iid)),
                "the write in doubt was left to the clean-up");
        // The sweeper's clean-up worker (voice-core's; the sweeper runs it every minute).
        ProviderCleanup.Result ran = services.providerCleanup().work(java.time.Duration.ofSeconds(10));
        assertTrue(ran.finished() >= 1, ran.toString());
        TwilioNumber now = fakes.twilio().number(number.sid()).orElseThrow();
        assertEquals(OLD_URL, now.voiceUrl());
        assertEquals(OLD_URL + "/status", now.statusCallback());
        assertFalse(services.cleanupJobs().due(Long.MAX_VALUE, 1000).stream()
                .anyMatch(j -> j.instanceId().equals(iid)));
    }

    @Test
    void aDynamoFailureAfterTheProviderChangedPutsTheProviderBack() throws Exception {
        TwilioAccount account = twilioAccount();
        TwilioNumber number = twilioNumber(account);
        String iid = aws.registerInstance(caller);
        AtomicInteger failed = new AtomicInteger();
        Services writeFails = aws.services(settings, (operation, request, proceed) -> {
            if (operation.equals("updateItem")) {
                failed.incrementAndGet();
                throw SdkClientException.create("injected: connection reset");
            }
            return proceed.call();
        });
        HttpResponse r = post(
                new SetupVoiceHandler(writeFails), iid, pipecat(account, number.phoneNumber(), account.authToken()));
        assertEquals(503, r.status(), r.body());
        assertTrue(failed.get() >= 1);
        TwilioNumber now = fakes.twilio().number(number.sid()).orElseThrow();
        assertEquals(OLD_URL, now.voiceUrl());
        assertEquals(OLD_URL + "/status", now.statusCallback());
        assertNull(item(iid).get(TableLayout.PROVIDER));
    }

    @Test
    void providerWiringFalseMakesNoProviderCallAndTurningItOffAndOnUnwiresAndWires() throws Exception {
        TwilioAccount account = twilioAccount();
        TwilioNumber number = twilioNumber(account);
        String iid = aws.registerInstance(caller);
        int requests = requests();
        String body = pipecat(account, number.phoneNumber(), account.authToken());
        ObjectNode off = (ObjectNode) Json.MAPPER.readTree(body);
        off.put("provider_wiring", false);
        HttpResponse r = post(iid, off.toString());
        assertEquals(200, r.status(), r.body());
        assertFalse(json(r).path("provider_wiring").asBoolean(true));
        assertEquals(requests, requests(), "no provider call at all");

        assertEquals(
                200,
                post(iid, "{\"provider\":\"pipecat\",\"provider_wiring\":true}").status());
        assertEquals(
                webhookUrl(iid),
                fakes.twilio().number(number.sid()).orElseThrow().voiceUrl());
        HttpResponse unwired = post(iid, "{\"provider\":\"pipecat\",\"provider_wiring\":false}");
        assertEquals(200, unwired.status(), unwired.body());
        assertEquals(OLD_URL, fakes.twilio().number(number.sid()).orElseThrow().voiceUrl());
        assertEquals(
                "{\"enabled\":false,\"objects\":[]}",
                item(iid).get(TableLayout.PROVIDER_WIRING).s());
    }
}
