package dev.hydracore.voice.fakes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every FakeTwilio operation through prism proxy on Twilio's document; Prism must reject nothing. */
class FakeTwilioThroughPrismIT {
    private static ProviderFakes fakes;
    private TwilioAccount account;
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
        account = fakes.twilio().addAccount(TwilioAccount.random());
        auth = Http.basic(account.sid(), account.authToken());
        base = fakes.twilioBaseUrl();
        fakes.twilio().clearRequests();
        fakes.twilio().clearFaults();
    }

    @AfterEach
    void prismRejectedNothing() {
        fakes.assertPrismRejectedNothing();
    }

    private String numbers() {
        return "/2010-04-01/Accounts/" + account.sid() + "/IncomingPhoneNumbers";
    }

    private String calls() {
        return "/2010-04-01/Accounts/" + account.sid() + "/Calls";
    }

    @Test
    void listMatchesPartialNumbersAsTwilioDoes() {
        TwilioNumber a = fakes.twilio().addNumber(TwilioNumber.of(account.sid(), "+15551230001"));
        TwilioNumber b = fakes.twilio().addNumber(TwilioNumber.of(account.sid(), "+15551230002"));
        fakes.twilio().addNumber(TwilioNumber.of(account.sid(), "+14155550100"));
        TwilioAccount other = fakes.twilio().addAccount(TwilioAccount.random());
        fakes.twilio().addNumber(TwilioNumber.of(other.sid(), "+15551230003"));

        assertEquals(List.of(a.sid(), b.sid()), sids(Http.get(base, numbers() + ".json?PhoneNumber=%2B1555123", auth)));
        assertEquals(List.of(a.sid()), sids(Http.get(base, numbers() + ".json?PhoneNumber=%2B15551230001", auth)));
        assertEquals(List.of(a.sid(), b.sid()), sids(Http.get(base, numbers() + ".json?PhoneNumber=555123000*", auth)));
        assertEquals(List.of(a.sid(), b.sid()), sids(Http.get(base, numbers() + ".json?PhoneNumber=1230", auth)));
        assertEquals(List.of(), sids(Http.get(base, numbers() + ".json?PhoneNumber=%2B19995550000", auth)));
        assertEquals(3, sids(Http.get(base, numbers() + ".json", auth)).size());
    }

    @Test
    void fetchAndUpdateANumber() {
        TwilioNumber n = fakes.twilio()
                .addNumber(
                        TwilioNumber.of(account.sid(), "+15551230010").withVoiceUrl("https://old.example.com/voice"));
        Http.Reply fetched = Http.get(base, numbers() + "/" + n.sid() + ".json", auth);
        assertEquals(200, fetched.status());
        assertEquals(
                "https://old.example.com/voice", fetched.body().get("voice_url").asText());

        Http.Reply updated = Http.form(
                base,
                numbers() + "/" + n.sid() + ".json",
                auth,
                "VoiceUrl=https%3A%2F%2Fours.example.com%2Fhook&VoiceMethod=POST&StatusCallback=https%3A%2F%2Fours.example.com%2Fstatus&StatusCallbackMethod=POST");
        assertEquals(200, updated.status());
        assertEquals(
                "https://ours.example.com/hook", updated.body().get("voice_url").asText());
        TwilioNumber state = fakes.twilio().number(n.sid()).orElseThrow();
        assertEquals("https://ours.example.com/hook", state.voiceUrl());
        assertEquals("https://ours.example.com/status", state.statusCallback());
        assertEquals("POST", state.statusCallbackMethod());

        Http.Reply app =
                Http.form(base, numbers() + "/" + n.sid() + ".json", auth, "VoiceApplicationSid=AP" + "a".repeat(32));
        assertEquals(
                "AP" + "a".repeat(32), app.body().get("voice_application_sid").asText());
        Http.Reply trunk = Http.form(base, numbers() + "/" + n.sid() + ".json", auth, "TrunkSid=TK" + "b".repeat(32));
        assertEquals("TK" + "b".repeat(32), trunk.body().get("trunk_sid").asText());
        assertTrue(trunk.body().get("voice_application_sid").isNull(), "a trunk removes the voice application");

        assertEquals(
                404,
                Http.get(base, numbers() + "/PN" + "0".repeat(32) + ".json", auth)
                        .status());
        assertEquals(
                20404,
                Http.get(base, numbers() + "/PN" + "0".repeat(32) + ".json", auth)
                        .body()
                        .get("code")
                        .asInt());
    }

    @Test
    void wrongCredentialsAre401WithTwiliosBodyAndChangeNothing() {
        TwilioNumber n = fakes.twilio().addNumber(TwilioNumber.of(account.sid(), "+15551230020"));
        String wrong = Http.basic(account.sid(), "not-the-token");
        Http.Reply r =
                Http.form(base, numbers() + "/" + n.sid() + ".json", wrong, "VoiceUrl=https%3A%2F%2Fx.example.com");
        assertEquals(401, r.status());
        assertEquals(20003, r.body().get("code").asInt());
        assertEquals(401, r.body().get("status").asInt());
        assertTrue(r.body().has("message") && r.body().has("more_info"));
        assertNull(fakes.twilio().number(n.sid()).orElseThrow().voiceUrl());
        assertEquals(List.of(), fakes.twilio().acceptedWrites());
        RecordedRequest logged =
                fakes.twilio().requests("UpdateIncomingPhoneNumber").getFirst();
        assertTrue(logged.authPresented());
        assertEquals(401, logged.status());

        TwilioAccount other = fakes.twilio().addAccount(TwilioAccount.random());
        assertEquals(
                401,
                Http.get(base, numbers() + ".json", Http.basic(other.sid(), other.authToken()))
                        .status(),
                "another account's credentials do not open this one");
    }

    @Test
    void listFetchAndHangUpCalls() {
        TwilioNumber n = fakes.twilio().addNumber(TwilioNumber.of(account.sid(), "+15551230030"));
        TwilioCall c1 = fakes.twilio().addCall(TwilioCall.inProgress(n, "+15550001111"));
        TwilioCall c2 = fakes.twilio().addCall(TwilioCall.inProgress(n, "+15550002222"));

        Http.Reply list = Http.get(base, calls() + ".json?To=%2B15551230030&Status=in-progress", auth);
        assertEquals(2, list.body().get("calls").size());
        assertEquals(
                "in-progress",
                Http.get(base, calls() + "/" + c1.sid() + ".json", auth)
                        .body()
                        .get("status")
                        .asText());

        Http.Reply hungUp = Http.form(base, calls() + "/" + c1.sid() + ".json", auth, "Status=completed");
        assertEquals(200, hungUp.status());
        assertEquals("completed", hungUp.body().get("status").asText());
        assertEquals("completed", fakes.twilio().call(c1.sid()).orElseThrow().status());
        assertEquals("in-progress", fakes.twilio().call(c2.sid()).orElseThrow().status());

        Http.Reply again = Http.form(base, calls() + "/" + c1.sid() + ".json", auth, "Status=completed");
        assertEquals(404, again.status());
        assertEquals(20404, again.body().get("code").asInt());
        Http.Reply unknown = Http.form(base, calls() + "/CA" + "0".repeat(32) + ".json", auth, "Status=completed");
        assertEquals(404, unknown.status());
        assertEquals(20404, unknown.body().get("code").asInt());
    }

    @Test
    void faultsAnswerTheNextRequestsThenStop() {
        TwilioNumber n = fakes.twilio().addNumber(TwilioNumber.of(account.sid(), "+15551230040"));
        String fetch = numbers() + "/" + n.sid() + ".json";
        fakes.twilio().inject(new Fault("FetchIncomingPhoneNumber", 429, 0, 2, 7));
        Http.Reply limited = Http.get(base, fetch, auth);
        assertEquals(429, limited.status());
        assertEquals("7", limited.header("Retry-After"));
        assertEquals(20429, limited.body().get("code").asInt());
        assertEquals(429, Http.get(base, fetch, auth).status());
        assertEquals(200, Http.get(base, fetch, auth).status());

        fakes.twilio().inject(Fault.status("UpdateIncomingPhoneNumber", 500, 1));
        assertEquals(
                500,
                Http.form(base, fetch, auth, "VoiceUrl=https%3A%2F%2Fx.example.com")
                        .status());
        assertNull(fakes.twilio().number(n.sid()).orElseThrow().voiceUrl(), "a faulted write changes nothing");
        assertEquals(200, Http.get(base, fetch, auth).status(), "faults are per operation");

        fakes.twilio().inject(Fault.status(Fault.ANY_OPERATION, 401, 1));
        assertEquals(401, Http.get(base, fetch, auth).status());
        fakes.twilio().inject(Fault.status("FetchIncomingPhoneNumber", 404, 1));
        assertEquals(404, Http.get(base, fetch, auth).status());

        fakes.twilio().inject(Fault.delay("FetchIncomingPhoneNumber", 600, 1));
        long t0 = System.nanoTime();
        assertEquals(200, Http.get(base, fetch, auth).status());
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 600, "the delay comes before the answer");
        assertEquals(List.of(), fakes.twilio().acceptedWrites());
    }

    @Test
    void controlApiSeedsReadsAndInjectsOverHttp() {
        URI control = fakes.twilioControlUrl();
        Http.Reply acct = Http.json("POST", control, "/_fake/accounts", null, "{}");
        String sid = acct.body().get("sid").asText();
        String token = acct.body().get("auth_token").asText();
        Http.Reply num = Http.json(
                "POST",
                control,
                "/_fake/numbers",
                null,
                "{\"account_sid\":\"" + sid
                        + "\",\"phone_number\":\"+15551230050\",\"voice_url\":\"https://prev.example.com/v\",\"trunk_sid\":\"TK"
                        + "c".repeat(32) + "\"}");
        String pn = num.body().get("sid").asText();
        assertEquals("TK" + "c".repeat(32), num.body().get("trunk_sid").asText());
        Http.Reply call = Http.json("POST", control, "/_fake/calls", null, "{\"phone_number_sid\":\"" + pn + "\"}");
        String ca = call.body().get("sid").asText();

        String auth2 = Http.basic(sid, token);
        String path = "/2010-04-01/Accounts/" + sid;
        assertEquals(
                200,
                Http.form(base, path + "/Calls/" + ca + ".json", auth2, "Status=completed")
                        .status());
        assertEquals(
                "completed",
                Http.get(control, "/_fake/calls/" + ca, null)
                        .body()
                        .get("status")
                        .asText());
        assertEquals(
                "https://prev.example.com/v",
                Http.get(control, "/_fake/numbers/" + pn, null)
                        .body()
                        .get("voice_url")
                        .asText());

        assertEquals(
                204,
                Http.json(
                                "POST",
                                control,
                                "/_fake/faults",
                                null,
                                "{\"operation\":\"FetchIncomingPhoneNumber\",\"status\":429,\"times\":1,\"retry_after_seconds\":3}")
                        .status());
        Http.Reply limited = Http.get(base, path + "/IncomingPhoneNumbers/" + pn + ".json", auth2);
        assertEquals(429, limited.status());
        assertEquals("3", limited.header("Retry-After"));

        Http.Reply log = Http.get(control, "/_fake/requests", null);
        List<String> ops = new ArrayList<>();
        log.body()
                .forEach(r -> ops.add(
                        r.get("operation").asText() + " " + r.get("status").asInt() + " "
                                + r.get("auth_presented").asBoolean()));
        assertEquals(List.of("UpdateCall 200 true", "FetchIncomingPhoneNumber 429 true"), ops);
        assertFalse(log.toString().contains(token), "the request log never holds the secret");
        assertFalse(log.response().body().contains(token), "the request log never holds the secret");
        assertEquals(200, Http.get(control, "/_fake/violations", null).status());
    }

    private static List<String> sids(Http.Reply r) {
        assertEquals(200, r.status(), () -> String.valueOf(r.body()));
        List<String> out = new ArrayList<>();
        r.body().get("incoming_phone_numbers").forEach(n -> out.add(n.get("sid").asText()));
        return out;
    }
}
