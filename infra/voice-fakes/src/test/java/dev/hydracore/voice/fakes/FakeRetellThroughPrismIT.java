package dev.hydracore.voice.fakes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every FakeRetell operation through prism proxy on Retell's document; Prism must reject nothing. */
class FakeRetellThroughPrismIT {
    private static ProviderFakes fakes;
    private String auth;
    private URI base;

    @BeforeAll
    static void start() throws Exception {
        fakes = ProviderFakes.start();
    }

    @AfterAll
    static void stop() {
        if (fakes != null) {
            fakes.close();
        }
    }

    @BeforeEach
    void seed() {
        auth = "Bearer " + fakes.retell().addApiKey();
        base = fakes.retellBaseUrl();
        fakes.retell().clearRequests();
        fakes.retell().clearFaults();
    }

    @AfterEach
    void prismRejectedNothing() {
        fakes.assertPrismRejectedNothing();
    }

    @Test
    void getAndUpdateANumber() {
        RetellAgent previous = fakes.retell().addAgent(RetellAgent.random());
        RetellAgent ours = fakes.retell().addAgent(RetellAgent.random());
        fakes.retell()
                .addNumber(RetellNumber.of("+14155550001")
                        .withInboundAgent(previous.agentId())
                        .withInboundWebhookUrl("https://prev.example.com/inbound"));

        Http.Reply got = Http.get(base, "/get-phone-number/+14155550001", auth);
        assertEquals(200, got.status());
        assertEquals(
                previous.agentId(),
                got.body().get("inbound_agents").get(0).get("agent_id").asText());
        assertEquals(
                "https://prev.example.com/inbound",
                got.body().get("inbound_webhook_url").asText());

        Http.Reply updated = Http.json(
                "PATCH",
                base,
                "/update-phone-number/%2B14155550001",
                auth,
                "{\"inbound_agents\":[{\"agent_id\":\"" + ours.agentId()
                        + "\",\"weight\":1}],\"inbound_webhook_url\":\"https://ours.example.com/hook\"}");
        assertEquals(200, updated.status());
        RetellNumber state = fakes.retell().number("+14155550001").orElseThrow();
        assertEquals(List.of(new RetellAgentWeight(ours.agentId(), 1.0)), state.inboundAgents());
        assertEquals("https://ours.example.com/hook", state.inboundWebhookUrl());

        assertEquals(
                200,
                Http.json("PATCH", base, "/update-phone-number/%2B14155550001", auth, "{\"inbound_webhook_url\":null}")
                        .status());
        assertNull(fakes.retell().number("+14155550001").orElseThrow().inboundWebhookUrl());

        Http.Reply badAgent = Http.json(
                "PATCH",
                base,
                "/update-phone-number/%2B14155550001",
                auth,
                "{\"inbound_agents\":[{\"agent_id\":\"agent_missing\",\"weight\":1}]}");
        assertEquals(422, badAgent.status());
        assertEquals("error", badAgent.body().get("status").asText());
        assertEquals(
                ours.agentId(),
                fakes.retell()
                        .number("+14155550001")
                        .orElseThrow()
                        .inboundAgents()
                        .getFirst()
                        .agentId());

        assertEquals(404, Http.get(base, "/get-phone-number/+19995550000", auth).status());
    }

    @Test
    void getAndUpdateAnAgent() {
        RetellAgent a = fakes.retell().addAgent(RetellAgent.random().withWebhookUrl("https://prev.example.com/agent"));
        Http.Reply got = Http.get(base, "/get-agent/" + a.agentId(), auth);
        assertEquals(200, got.status());
        assertEquals(
                "https://prev.example.com/agent", got.body().get("webhook_url").asText());

        Http.Reply updated = Http.json(
                "PATCH",
                base,
                "/update-agent/" + a.agentId(),
                auth,
                "{\"webhook_url\":\"https://ours.example.com/hook\"}");
        assertEquals(200, updated.status());
        assertEquals(
                "https://ours.example.com/hook",
                fakes.retell().agent(a.agentId()).orElseThrow().webhookUrl());

        Http.Reply missing = Http.get(base, "/get-agent/agent_missing", auth);
        assertEquals(404, missing.status());
        assertEquals("error", missing.body().get("status").asText());
    }

    @Test
    void getAndStopCalls() {
        RetellAgent a = fakes.retell().addAgent(RetellAgent.random());
        RetellCall live = fakes.retell().addCall(RetellCall.ongoing(a.agentId(), "+15550001111", "+14155550002"));
        Http.Reply got = Http.get(base, "/v2/get-call/" + live.callId(), auth);
        assertEquals(200, got.status());
        assertEquals("ongoing", got.body().get("call_status").asText());

        Http.Reply stopped = Http.send("POST", base, "/v2/stop-call/" + live.callId(), auth, null, null);
        assertEquals(204, stopped.status());
        assertEquals("ended", fakes.retell().call(live.callId()).orElseThrow().callStatus());
        assertEquals(
                "ended",
                Http.get(base, "/v2/get-call/" + live.callId(), auth)
                        .body()
                        .get("call_status")
                        .asText());

        assertEquals(
                404,
                Http.send("POST", base, "/v2/stop-call/" + live.callId(), auth, null, null)
                        .status(),
                "already ended");
        assertEquals(
                404,
                Http.send("POST", base, "/v2/stop-call/call_unknown", auth, null, null)
                        .status());
        assertEquals(404, Http.get(base, "/v2/get-call/call_unknown", auth).status());
    }

    @Test
    void wrongKeyIs401AndChangesNothing() {
        RetellAgent a = fakes.retell().addAgent(RetellAgent.random());
        RetellCall live = fakes.retell().addCall(RetellCall.ongoing(a.agentId(), "+15550001111", "+14155550003"));
        Http.Reply r = Http.send("POST", base, "/v2/stop-call/" + live.callId(), "Bearer key_wrong", null, null);
        assertEquals(401, r.status());
        assertEquals("error", r.body().get("status").asText());
        assertTrue(r.body().get("message").asText().length() > 0);
        assertEquals(
                401,
                Http.json(
                                "PATCH",
                                base,
                                "/update-agent/" + a.agentId(),
                                "Bearer key_wrong",
                                "{\"webhook_url\":\"https://x.example.com\"}")
                        .status());
        assertTrue(fakes.retell().call(live.callId()).orElseThrow().isLive());
        assertNull(fakes.retell().agent(a.agentId()).orElseThrow().webhookUrl());
        assertEquals(List.of(), fakes.retell().acceptedWrites());
    }

    @Test
    void faultsAndDelays() {
        RetellAgent a = fakes.retell().addAgent(RetellAgent.random());
        RetellCall live = fakes.retell().addCall(RetellCall.ongoing(a.agentId(), "+15550001111", "+14155550004"));
        fakes.retell().inject(Fault.status("stopCall", 429, 1));
        Http.Reply limited = Http.send("POST", base, "/v2/stop-call/" + live.callId(), auth, null, null);
        assertEquals(429, limited.status());
        assertEquals("1", limited.header("Retry-After"));
        assertTrue(live.isLive()
                && fakes.retell().call(live.callId()).orElseThrow().isLive());
        fakes.retell().inject(Fault.status("stopCall", 500, 1));
        assertEquals(
                500,
                Http.send("POST", base, "/v2/stop-call/" + live.callId(), auth, null, null)
                        .status());
        fakes.retell().inject(new Fault("getAgent", 0, 500, 1, 0));
        long t0 = System.nanoTime();
        assertEquals(200, Http.get(base, "/get-agent/" + a.agentId(), auth).status());
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 500);
        assertEquals(
                204,
                Http.send("POST", base, "/v2/stop-call/" + live.callId(), auth, null, null)
                        .status());
    }

    @Test
    void controlApiSeedsAndReadsOverHttp() {
        URI control = fakes.retellControlUrl();
        String key = Http.json("POST", control, "/_fake/api-keys", null, "{}")
                .body()
                .get("api_key")
                .asText();
        String agent = Http.json(
                        "POST", control, "/_fake/agents", null, "{\"webhook_url\":\"https://prev.example.com/a\"}")
                .body()
                .get("agent_id")
                .asText();
        Http.json(
                "POST",
                control,
                "/_fake/numbers",
                null,
                "{\"phone_number\":\"+14155550005\",\"inbound_agent_id\":\"" + agent
                        + "\",\"inbound_webhook_url\":\"https://prev.example.com/i\"}");
        String call = Http.json(
                        "POST",
                        control,
                        "/_fake/calls",
                        null,
                        "{\"agent_id\":\"" + agent + "\",\"to_number\":\"+14155550005\"}")
                .body()
                .get("call_id")
                .asText();

        String bearer = "Bearer " + key;
        assertEquals(
                204,
                Http.send("POST", base, "/v2/stop-call/" + call, bearer, null, null)
                        .status());
        assertEquals(
                "ended",
                Http.get(control, "/_fake/calls/" + call, null)
                        .body()
                        .get("call_status")
                        .asText());
        assertEquals(
                "https://prev.example.com/i",
                Http.get(control, "/_fake/numbers/%2B14155550005", null)
                        .body()
                        .get("inbound_webhook_url")
                        .asText());
        assertEquals(
                "https://prev.example.com/a",
                Http.get(control, "/_fake/agents/" + agent, null)
                        .body()
                        .get("webhook_url")
                        .asText());
        Http.Reply log = Http.get(control, "/_fake/requests", null);
        assertEquals("stopCall", log.body().get(0).get("operation").asText());
        assertFalse(log.response().body().contains(key), "the request log never holds the key");
    }
}
