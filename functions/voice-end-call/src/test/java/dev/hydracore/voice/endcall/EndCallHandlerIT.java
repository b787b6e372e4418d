package dev.hydracore.voice.endcall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.calls.CallEvent;
import dev.hydracore.voice.core.calls.CallState;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.store.CallTransitions;
import dev.hydracore.voice.fakes.Fault;
import dev.hydracore.voice.fakes.ProviderFakes;
import dev.hydracore.voice.fakes.RetellCall;
import dev.hydracore.voice.fakes.TwilioAccount;
import dev.hydracore.voice.fakes.TwilioCall;
import dev.hydracore.voice.fakes.TwilioNumber;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestChannels;
import dev.hydracore.voice.tooling.ApiEvents;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** DELETE …/calls/{call_id} on the emulator against the Prism-fronted fake providers. */
class EndCallHandlerIT {
    static final String ROUTE = "DELETE /v1/instances/{instance_id}/channels/voice/calls/{call_id}";
    /** The account TestChannels' pipecat channels name. */
    static final String ACCOUNT_SID = "AC" + "0123456789abcdef".repeat(2);

    static final String TOKEN = "tok_" + "0123456789abcdef".repeat(2);
    static TestAws aws;
    static ProviderFakes fakes;
    static Services services;
    static EndCallHandler handler;
    static TestChannels channels;
    static TestAws.TestCaller caller;
    static TwilioNumber twilioNumber;

    @BeforeAll
    static void start() throws Exception {
        aws = TestAws.shared();
        fakes = ProviderFakes.start();
        services = aws.services(aws.settings()
                .with(Settings.TWILIO_API_BASE_URL, fakes.twilioBaseUrl().toString())
                .with(Settings.RETELL_API_BASE_URL, fakes.retellBaseUrl().toString()));
        handler = new EndCallHandler(services);
        channels = new TestChannels(aws);
        caller = aws.newCaller();
        fakes.twilio().addAccount(new TwilioAccount(ACCOUNT_SID, TOKEN));
        twilioNumber = fakes.twilio().addNumber(TwilioNumber.of(ACCOUNT_SID, "+14155550199"));
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

    static HttpResponse end(String iid, String callId) {
        ObjectNode event = ApiEvents.of(
                "DELETE",
                "/v1/instances/" + iid + "/channels/voice/calls/" + callId,
                ROUTE,
                Map.of("instance_id", iid, "call_id", callId),
                caller.bearer(),
                null);
        return handler.respond(event);
    }

    static void live(String iid, String callId) {
        CallTransitions store = services.callTransitions();
        assertEquals(
                CallTransitions.Outcome.APPLIED,
                store.apply(store.read(iid, callId, null), CallEvent.state(CallState.IN_PROGRESS, "+14155550123")));
    }

    static long activeCalls(String iid) {
        return services.instances()
                .find(iid)
                .orElseThrow()
                .channel()
                .orElseThrow()
                .activeCalls();
    }

    static String pipecatChannel() {
        String iid = aws.registerInstance(caller);
        channels.pipecat(caller, iid, TOKEN, "whsec_" + "s".repeat(20));
        return iid;
    }

    @Test
    void aLiveTwilioCallIsHungUpAndStopsCountingAtOnceAndASecondEndIs404() {
        String iid = pipecatChannel();
        TwilioCall call = fakes.twilio().addCall(TwilioCall.inProgress(twilioNumber, "+14155550123"));
        live(iid, call.sid());
        assertEquals(1, activeCalls(iid));
        HttpResponse r = end(iid, call.sid());
        assertEquals(204, r.status(), r.body());
        assertEquals("completed", fakes.twilio().call(call.sid()).orElseThrow().status());
        assertEquals(0, activeCalls(iid));
        // The provider's own end event later changes nothing: the call is already ended here.
        CallTransitions store = services.callTransitions();
        assertFalse(CallTransitions.Outcome.APPLIED
                == store.apply(store.read(iid, call.sid(), null), CallEvent.state(CallState.ENDED, null)));
        assertEquals(0, activeCalls(iid));
        HttpResponse again = end(iid, call.sid());
        assertEquals(404, again.status());
        assertEquals("{\"detail\":\"Call not found\"}", again.body());
    }

    @Test
    void aCallTheProviderAlreadyEndedIs204AndEndedHereToo() {
        String key = fakes.retell().addApiKey();
        String iid = aws.registerInstance(caller);
        channels.retell(caller, iid, key);
        live(iid, "call_phantom_0001");
        HttpResponse r = end(iid, "call_phantom_0001");
        assertEquals(204, r.status(), r.body());
        assertEquals(0, activeCalls(iid));
    }

    @Test
    void aLiveRetellCallIsStopped() {
        String key = fakes.retell().addApiKey();
        String iid = aws.registerInstance(caller);
        channels.retell(caller, iid, key);
        RetellCall call =
                fakes.retell().addCall(RetellCall.ongoing("agent_test", "+14155550123", TestChannels.RETELL_PHONE));
        live(iid, call.callId());
        assertEquals(204, end(iid, call.callId()).status());
        assertFalse(fakes.retell().call(call.callId()).orElseThrow().isLive());
    }

    @Test
    void providerUnavailableIs503AndNothingChanges() {
        String iid = pipecatChannel();
        TwilioCall call = fakes.twilio().addCall(TwilioCall.inProgress(twilioNumber, "+14155550123"));
        live(iid, call.sid());
        for (int status : new int[] {500, 429}) {
            fakes.twilio().inject(Fault.status("UpdateCall", status, 1));
            HttpResponse r = end(iid, call.sid());
            assertEquals(503, r.status(), r.body());
            assertEquals("{\"detail\":\"Voice provider unavailable\"}", r.body());
            assertTrue(r.headers().containsKey("retry-after"));
            assertEquals(1, activeCalls(iid));
            assertTrue(fakes.twilio().call(call.sid()).orElseThrow().isLive());
        }
        assertEquals(204, end(iid, call.sid()).status());
    }

    @Test
    void unknownCallsBadIdsAndMissingChannelsAreAnsweredWithoutAProviderCall() {
        String iid = pipecatChannel();
        int requests = fakes.twilio().requests().size();
        assertEquals(404, end(iid, "CA" + "9".repeat(32)).status());
        HttpResponse bad = end(iid, "bad%20id");
        assertEquals(422, bad.status());
        assertTrue(bad.body().contains("[\"path\",\"call_id\"]"), bad.body());
        String bare = aws.registerInstance(caller);
        HttpResponse none = end(bare, "CA" + "9".repeat(32));
        assertEquals(404, none.status());
        assertEquals("{\"detail\":\"Voice channel not configured\"}", none.body());
        String other = aws.registerInstance(aws.newCaller());
        assertEquals(
                "{\"detail\":\"Instance not found\"}",
                end(other, "CA" + "9".repeat(32)).body());
        assertEquals(requests, fakes.twilio().requests().size());
    }
}
