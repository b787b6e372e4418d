package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.fakes.Fault;
import dev.hydracore.voice.fakes.ProviderFakes;
import dev.hydracore.voice.fakes.RetellAgent;
import dev.hydracore.voice.fakes.RetellAgentWeight;
import dev.hydracore.voice.fakes.RetellCall;
import dev.hydracore.voice.fakes.RetellNumber;
import dev.hydracore.voice.fakes.TwilioAccount;
import dev.hydracore.voice.fakes.TwilioCall;
import dev.hydracore.voice.fakes.TwilioNumber;
import dev.hydracore.voice.testkit.RetellCallEvents;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The "Must show", through {@code ./hydra local} over HTTP, its provider base URLs pointed
 * (--parameter-overrides) at the stateful fakes behind {@code prism proxy --errors}: bad
 * credentials, numbers and agents are 422s at their field with the contract's sentence, changing
 * nothing; an outage mid-setup (Retell, then Twilio) leaves both sides as before and the channel
 * not configured; setup wires a Retell and a Twilio number; End Call hangs one call up (and again
 * is 404, with no provider request); teardown's clean-up, on the sweeper's schedule, restores the
 * Twilio number where it still holds ours (a later foreign change stays) and hangs up its 3 live
 * calls, and — in the same sweeper run — gives a torn-down Retell channel's number its inbound
 * agents and webhook back, the agent its webhook, and hangs up its 2 live calls. Prism must reject
 * nothing.
 */
class ProviderWiringEndToEndIT {
    static final String OLD_URL = "https://old.example.com/voice";
    static final String FOREIGN_URL = "https://someone-else.example.com/status";
    // The contract's sentences for each bad credential, number and agent (voice-core ProviderWiring).
    static final String TWILIO_REFUSED =
            "Value error, Twilio refused these credentials: check twilio_account_sid and twilio_auth_token";
    static final String TWILIO_NO_NUMBER = "Value error, The Twilio account has no incoming phone number equal"
            + " to this one: buy or port it into the account, or check twilio_account_sid";
    static final String TWILIO_ROUTED = "Value error, This Twilio number's calls are routed by a TwiML"
            + " application or SIP trunk, which ignore its voice URL: remove them from the number in Twilio, or"
            + " send provider_wiring false and route the number yourself";
    static final String RETELL_REFUSED = "Value error, Retell refused this API key: send a key of the Retell account";
    static final String RETELL_NO_AGENT = "Value error, The Retell account has no agent with this id: check agent_id";
    static final String RETELL_NO_NUMBER =
            "Value error, The Retell account has no such phone number: buy or import it in Retell first";
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void setupWiresTeardownRestoresAndHangsUpAndNothingIsRejectedByPrism() throws Exception {
        try (ProviderFakes fakes = ProviderFakes.start();
                HydraLocalProcess hydra = HydraLocalProcess.start(
                        "provider-wiring-e2e.log",
                        List.of(
                                "--parameter-overrides",
                                "TwilioApiBaseUrl=" + fakes.twilioBaseUrl() + " RetellApiBaseUrl="
                                        + fakes.retellBaseUrl()))) {
            Client c = new Client(hydra);
            TwilioAccount account = fakes.twilio().addAccount(TwilioAccount.random());
            TwilioNumber number = fakes.twilio()
                    .addNumber(TwilioNumber.of(account.sid(), "+14155550177")
                            .withVoiceUrl(OLD_URL)
                            .withStatusCallback(OLD_URL));
            TwilioNumber routed = fakes.twilio()
                    .addNumber(TwilioNumber.of(account.sid(), "+14155550178").withTrunkSid("TK" + "0".repeat(32)));
            String retellKey = fakes.retell().addApiKey();
            RetellAgent agent = fakes.retell().addAgent(RetellAgent.random().withWebhookUrl(OLD_URL));
            RetellAgent theirs = fakes.retell().addAgent(RetellAgent.random());
            RetellNumber retellNumber = fakes.retell()
                    .addNumber(RetellNumber.of("+14155550179")
                            .withInboundAgent(theirs.agentId())
                            .withInboundWebhookUrl(OLD_URL));

            // Each bad credential, number and agent: a 422 at its field, nothing stored or changed.
            int writes = writes(fakes);
            c.assert422(
                    c.setup(retell("key_wrong_" + "x".repeat(16), agent.agentId(), retellNumber.phoneNumber())),
                    "api_key",
                    RETELL_REFUSED);
            c.assert422(
                    c.setup(retell(retellKey, "agent_nobody_" + "0".repeat(20), retellNumber.phoneNumber())),
                    "agent_id",
                    RETELL_NO_AGENT);
            c.assert422(c.setup(retell(retellKey, agent.agentId(), "+14155550100")), "phone_number", RETELL_NO_NUMBER);
            c.assert422(
                    c.setup(pipecat(account.sid(), "tok_wrong_" + "x".repeat(16), number.phoneNumber())),
                    "twilio_auth_token",
                    TWILIO_REFUSED);
            c.assert422(
                    c.setup(pipecat(account.sid(), account.authToken(), "+14155550176")),
                    "twilio_phone_number",
                    TWILIO_NO_NUMBER);
            c.assert422(
                    c.setup(pipecat(account.sid(), account.authToken(), routed.phoneNumber())),
                    "twilio_phone_number",
                    TWILIO_ROUTED);
            assertEquals(writes, writes(fakes), "nothing changed at either fake");
            assertEquals("not_configured", c.status().path("status").asText(), "nothing stored");

            // An outage mid-setup (the number written, the agent's update failing): both sides as before.
            fakes.retell().inject(Fault.status("updateAgent", 503, 1));
            HttpResponse<String> down = c.setup(retell(retellKey, agent.agentId(), retellNumber.phoneNumber()));
            assertEquals(503, down.statusCode(), down::body);
            assertEquals("{\"detail\":\"Voice provider unavailable\"}", down.body());
            assertTrue(down.headers().firstValue("retry-after").isPresent());
            RetellNumber after =
                    fakes.retell().number(retellNumber.phoneNumber()).orElseThrow();
            assertEquals(List.of(new RetellAgentWeight(theirs.agentId(), 1.0)), after.inboundAgents());
            assertEquals(OLD_URL, after.inboundWebhookUrl());
            assertEquals("not_configured", c.status().path("status").asText());

            // A Twilio outage mid-setup (the number found, its update failing): the number as before.
            fakes.twilio().inject(Fault.status("UpdateIncomingPhoneNumber", 500, 1));
            HttpResponse<String> twilioDown =
                    c.setup(pipecat(account.sid(), account.authToken(), number.phoneNumber()));
            assertEquals(503, twilioDown.statusCode(), twilioDown::body);
            assertEquals("{\"detail\":\"Voice provider unavailable\"}", twilioDown.body());
            assertTrue(twilioDown.headers().firstValue("retry-after").isPresent());
            TwilioNumber untouched = fakes.twilio().number(number.sid()).orElseThrow();
            assertEquals(OLD_URL, untouched.voiceUrl());
            assertEquals(OLD_URL, untouched.statusCallback());
            assertEquals("not_configured", c.status().path("status").asText());

            // Retell wired: the number routes to our agent and webhook, the agent's webhook is ours.
            int before = requests(fakes);
            long t0 = System.nanoTime();
            HttpResponse<String> wired = c.setup(retell(retellKey, agent.agentId(), retellNumber.phoneNumber()));
            long retellMillis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(200, wired.statusCode(), wired::body);
            int retellSetupCalls = requests(fakes) - before;
            String webhook =
                    Json.MAPPER.readTree(wired.body()).path("webhook_url").asText();
            assertEquals(
                    webhook,
                    fakes.retell()
                            .number(retellNumber.phoneNumber())
                            .orElseThrow()
                            .inboundWebhookUrl());
            assertEquals(
                    webhook, fakes.retell().agent(agent.agentId()).orElseThrow().webhookUrl());

            // Moving the channel to Twilio gives the Retell number and agent their old values back.
            before = requests(fakes);
            t0 = System.nanoTime();
            HttpResponse<String> twilio = c.setup(pipecat(account.sid(), account.authToken(), number.phoneNumber()));
            long twilioMillis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(200, twilio.statusCode(), twilio::body);
            int twilioCalls = requests(fakes) - before;
            assertEquals(
                    webhook, fakes.twilio().number(number.sid()).orElseThrow().voiceUrl());
            assertEquals(
                    webhook, fakes.twilio().number(number.sid()).orElseThrow().statusCallback());
            assertEquals(
                    OLD_URL,
                    fakes.retell()
                            .number(retellNumber.phoneNumber())
                            .orElseThrow()
                            .inboundWebhookUrl());
            assertEquals(
                    OLD_URL, fakes.retell().agent(agent.agentId()).orElseThrow().webhookUrl());

            // Four live calls; End Call hangs one up (again: 404), teardown the other three.
            List<TwilioCall> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                TwilioCall call = fakes.twilio().addCall(TwilioCall.inProgress(number, "+1415555012" + i));
                calls.add(call);
                c.twilioStatus(webhook, account, call, number.phoneNumber(), "in-progress");
            }
            assertEquals(4, c.status().path("active_calls").asInt());
            assertEquals(204, c.endCall(calls.get(0).sid()).statusCode());
            assertEquals(
                    "completed",
                    fakes.twilio().call(calls.get(0).sid()).orElseThrow().status());
            int beforeAgain = requests(fakes);
            assertEquals(404, c.endCall(calls.get(0).sid()).statusCode(), "ended: not an active call any more");
            assertEquals(beforeAgain, requests(fakes), "the second End Call of the call makes no provider request");
            assertEquals(3, c.status().path("active_calls").asInt());

            // Someone else changes the status callback after our setup: that change must stay.
            fakes.twilio().changeNumber(number.sid(), n -> n.withStatusCallback(FOREIGN_URL));
            before = requests(fakes);
            int twilioBefore = fakes.twilio().requests().size();
            HttpResponse<String> gone = c.teardown();
            assertEquals(204, gone.statusCode(), gone::body);
            assertEquals(before, requests(fakes), "the DELETE itself calls no provider");

            // Retell again, with two live calls, torn down too: its clean-up shares the sweeper run
            // (every minute) that the Twilio teardown's waits for.
            before = requests(fakes);
            t0 = System.nanoTime();
            HttpResponse<String> again = c.setup(retell(retellKey, agent.agentId(), retellNumber.phoneNumber()));
            long retellAgainMillis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(200, again.statusCode(), again::body);
            int retellAgainCalls = requests(fakes) - before;
            assertEquals(
                    List.of(new RetellAgentWeight(agent.agentId(), 1.0)),
                    fakes.retell()
                            .number(retellNumber.phoneNumber())
                            .orElseThrow()
                            .inboundAgents());
            List<RetellCall> retellCalls = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                RetellCall call = fakes.retell()
                        .addCall(RetellCall.ongoing(agent.agentId(), "+1415555013" + i, retellNumber.phoneNumber()));
                retellCalls.add(call);
                c.retellEvent(
                        retellKey,
                        RetellCallEvents.of("call_started", call.callId(), agent.agentId(), call.fromNumber(), 0)
                                .json());
            }
            assertEquals(2, c.status().path("active_calls").asInt());
            before = requests(fakes);
            int retellBefore = fakes.retell().requests().size();
            HttpResponse<String> retellGone = c.teardown();
            assertEquals(204, retellGone.statusCode(), retellGone::body);
            assertEquals(before, requests(fakes), "the DELETE itself calls no provider");

            waitFor(
                    Duration.ofSeconds(150),
                    () -> OLD_URL.equals(fakes.twilio()
                                    .number(number.sid())
                                    .orElseThrow()
                                    .voiceUrl())
                            && calls.stream()
                                    .allMatch(call -> "completed"
                                            .equals(fakes.twilio()
                                                    .call(call.sid())
                                                    .orElseThrow()
                                                    .status()))
                            && OLD_URL.equals(fakes.retell()
                                    .number(retellNumber.phoneNumber())
                                    .orElseThrow()
                                    .inboundWebhookUrl())
                            && retellCalls.stream()
                                    .noneMatch(call -> fakes.retell()
                                            .call(call.callId())
                                            .orElseThrow()
                                            .isLive()),
                    hydra);
            assertEquals(
                    FOREIGN_URL,
                    fakes.twilio().number(number.sid()).orElseThrow().statusCallback());
            RetellNumber restored =
                    fakes.retell().number(retellNumber.phoneNumber()).orElseThrow();
            assertEquals(
                    List.of(new RetellAgentWeight(theirs.agentId(), 1.0)),
                    restored.inboundAgents(),
                    "the number's calls go to its previous agent again");
            assertEquals(OLD_URL, restored.inboundWebhookUrl());
            assertEquals(
                    OLD_URL, fakes.retell().agent(agent.agentId()).orElseThrow().webhookUrl());
            int twilioCleanup = fakes.twilio().requests().size() - twilioBefore;
            int retellCleanup = fakes.retell().requests().size() - retellBefore;
            System.out.printf(
                    "provider requests: retell setup %d (%d ms; again %d, %d ms), twilio setup with the retell"
                            + " restore %d (%d ms); clean-up after teardown: twilio %d (3 live calls),"
                            + " retell %d (2 live calls)%n",
                    retellSetupCalls,
                    retellMillis,
                    retellAgainCalls,
                    retellAgainMillis,
                    twilioCalls,
                    twilioMillis,
                    twilioCleanup,
                    retellCleanup);
            fakes.assertPrismRejectedNothing();
        }
    }

    static int writes(ProviderFakes fakes) {
        return fakes.twilio().acceptedWrites().size()
                + fakes.retell().acceptedWrites().size();
    }

    static int requests(ProviderFakes fakes) {
        return fakes.twilio().requests().size() + fakes.retell().requests().size();
    }

    static void waitFor(Duration limit, BooleanSupplier done, HydraLocalProcess hydra) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("the clean-up did not happen in " + limit + ":\n" + hydra.log());
            }
            Thread.sleep(1000);
        }
    }

    static String retell(String key, String agentId, String number) {
        return Json.object()
                .put("provider", "retell")
                .put("api_key", key)
                .put("agent_id", agentId)
                .put("phone_number", number)
                .toString();
    }

    static String pipecat(String sid, String token, String number) {
        ObjectNode b = Json.object()
                .put("provider", "pipecat")
                .put("twilio_account_sid", sid)
                .put("twilio_auth_token", token)
                .put("twilio_phone_number", number)
                .put("webhook_secret", "whsec_" + "s".repeat(20))
                .put("deepgram_api_key", "dg_e2e")
                .put("openai_api_key", "sk-e2e")
                .put("cartesia_api_key", "ca_e2e");
        return b.toString();
    }

    /** HTTP to the running ./hydra local, as its demo tenant on its demo instance. */
    record Client(HydraLocalProcess hydra) {
        URI channel() {
            return URI.create(hydra.baseUrl() + "/v1/instances/" + hydra.instanceId() + "/channels/voice");
        }

        HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
            return HTTP.send(
                    b.timeout(Duration.ofSeconds(60))
                            .header("Authorization", "Bearer " + hydra.apiKey())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> setup(String body) throws Exception {
            return send(HttpRequest.newBuilder(channel())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
        }

        HttpResponse<String> teardown() throws Exception {
            return send(HttpRequest.newBuilder(channel()).DELETE());
        }

        HttpResponse<String> endCall(String callId) throws Exception {
            return send(HttpRequest.newBuilder(URI.create(channel() + "/calls/" + callId))
                    .DELETE());
        }

        JsonNode status() throws Exception {
            HttpResponse<String> r = send(HttpRequest.newBuilder(channel()).GET());
            assertEquals(200, r.statusCode(), r::body);
            return Json.MAPPER.readTree(r.body());
        }

        /** A 422 with one problem: at {@code field} of the body, saying {@code sentence}. */
        void assert422(HttpResponse<String> r, String field, String sentence) throws Exception {
            assertEquals(422, r.statusCode(), r::body);
            JsonNode d = Json.MAPPER.readTree(r.body()).path("detail");
            assertEquals(1, d.size(), r.body());
            assertEquals("[\"body\",\"" + field + "\"]", d.get(0).path("loc").toString(), r.body());
            assertEquals(sentence, d.get(0).path("msg").asText(), r.body());
            assertEquals("value_error", d.get(0).path("type").asText(), r.body());
        }

        /** A Retell webhook event, signed with the workspace's API key as Retell signs it. */
        void retellEvent(String apiKey, String body) throws Exception {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create(hydra.baseUrl() + "/v1/webhooks/voice/" + hydra.instanceId()))
                            .timeout(Duration.ofSeconds(60))
                            .header("Content-Type", "application/json")
                            .header("x-retell-signature", ProviderTrafficEndToEndIT.retellSignature(apiKey, bytes))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r::body);
        }

        /** A Twilio status callback, signed as Twilio signs it (infra/provider_sign.py). */
        void twilioStatus(String webhook, TwilioAccount account, TwilioCall call, String to, String status)
                throws Exception {
            Map<String, String> params = new TreeMap<>(Map.of(
                    "AccountSid",
                    account.sid(),
                    "CallSid",
                    call.sid(),
                    "CallStatus",
                    status,
                    "From",
                    call.from(),
                    "To",
                    to,
                    "CallbackSource",
                    "call-progress-events",
                    "Direction",
                    "inbound"));
            byte[] form = params.entrySet().stream()
                    .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                            + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                    .collect(Collectors.joining("&"))
                    .getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create(hydra.baseUrl() + "/v1/webhooks/voice/" + hydra.instanceId()))
                            .timeout(Duration.ofSeconds(60))
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .header(
                                    "X-Twilio-Signature",
                                    ProviderTrafficEndToEndIT.sign(
                                            account.authToken(), form, "twilio", "--url", webhook))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(form))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r::body);
        }
    }
}
