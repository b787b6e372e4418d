package dev.hydracore.voice.webhook;

import static dev.hydracore.voice.webhook.AdmissionLimitIT.admissionItems;
import static dev.hydracore.voice.webhook.AdmissionLimitIT.callRecords;
import static dev.hydracore.voice.webhook.AdmissionLimitIT.counter;
import static dev.hydracore.voice.webhook.AdmissionLimitIT.inboundBody;
import static dev.hydracore.voice.webhook.AdmissionLimitIT.withAdmission;
import static dev.hydracore.voice.webhook.Deliveries.retellBody;
import static dev.hydracore.voice.webhook.Deliveries.twilioParams;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.store.TableLayout;
import dev.hydracore.voice.testkit.AwsProxy;
import dev.hydracore.voice.testkit.AwsProxy.Fault;
import dev.hydracore.voice.testkit.TestChannels.Channel;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A transaction that committed but whose answer was lost (the fault proxy forwards it, then
 * closes the connection), at a limit of one: the retry meets its own write and must read it as
 * done — the call connected and counted once, the admission kept — not as a refusal.
 */
class LostAnswerIT {
    static ThroughProxy t;

    @BeforeAll
    static void setUp() throws Exception {
        t = ThroughProxy.withToolRetries();
    }

    @AfterEach
    void noFaultsLeft() {
        t.proxy.clearFaults();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void aTwilioRingTakingTheLastPlaceWhoseAnswerIsLostIsConnectedAndCountedOnce() throws Exception {
        Channel ch = twilioChannel(1);
        t.proxy.next(AwsProxy.TRANSACT_WRITE_ITEMS, Fault.DROP_ANSWER);
        HttpResponse r = t.webhook.respond(Deliveries.twilio(
                ch,
                "",
                twilioParams(
                        "CAlost" + UUID.randomUUID().toString().substring(0, 8), "+14155550100", "ringing", false)));
        assertEquals(200, r.status(), r.body());
        assertTrue(r.body().contains("<Connect>"), "connected, not busy: " + r.body());
        assertEquals(1, counter(ch.instanceId()), "active_calls");
        assertEquals(1, callRecords(ch.instanceId()), "call records");
    }

    @Test
    void aRingWhoseTransactionIsConflictedThenThrottledThenLostIsConnectedOnce() throws Exception {
        Channel ch = twilioChannel(1);
        t.proxy.next(
                AwsProxy.TRANSACT_WRITE_ITEMS,
                Fault.TRANSACTION_CONFLICT,
                Fault.PROVISIONED_THROUGHPUT_EXCEEDED,
                Fault.DROP_ANSWER);
        HttpResponse r = t.webhook.respond(Deliveries.twilio(
                ch,
                "",
                twilioParams(
                        "CAmixed" + UUID.randomUUID().toString().substring(0, 8), "+14155550100", "ringing", false)));
        assertTrue(r.body().contains("<Connect>"), r.body());
        assertEquals(1, counter(ch.instanceId()));
        assertEquals(1, callRecords(ch.instanceId()));
    }

    @Test
    void aRetellAdmissionWhoseAnswerIsLostIsAdmittedOnceAndItsCallClaimsIt() throws Exception {
        Channel ch = t.channels.retell(
                t.caller, t.aws.registerInstance(t.caller), "key_" + UUID.randomUUID(), OptionalLong.of(1));
        t.proxy.next(AwsProxy.TRANSACT_WRITE_ITEMS, Fault.DROP_ANSWER);
        HttpResponse r = t.webhook.respond(Deliveries.retell(ch, inboundBody("+14155550123")));
        assertEquals(200, r.status(), r.body());
        JsonNode answer = Json.MAPPER.readTree(r.body()).path("call_inbound");
        assertTrue(answer.has("override_agent_id"), "admitted, not declined: " + r.body());
        assertEquals(1, admissionItems(ch.instanceId()), "one admission, none orphaned");
        assertEquals(1, counter(ch.instanceId()));

        String admission = answer.path("metadata").path("hydra_admission").asText();
        t.proxy.next(AwsProxy.TRANSACT_WRITE_ITEMS, Fault.DROP_ANSWER);
        String started = withAdmission(
                retellBody("call_started", "call_lost_" + UUID.randomUUID(), "+14155550123", 0), admission);
        assertEquals(200, t.webhook.respond(Deliveries.retell(ch, started)).status());
        assertEquals(0, admissionItems(ch.instanceId()), "claimed");
        assertEquals(1, callRecords(ch.instanceId()));
        assertEquals(1, counter(ch.instanceId()), "the admission's count became the call's");
    }

    /**
     * The lost answer's retry is a new request (the emulator executes it anew, as DynamoDB does
     * once the token's window has passed): it fails both conditions, the counter's at the limit,
     * and only our own write's token, found on the re-read, tells it from a refusal. On MiniStack
     * the SDK's same-token retry would replay the success and never reach that path.
     */
    @Test
    void aRingTakingTheLastPlaceWhoseLostAnswersRetryIsANewRequestIsConnectedAndCountedOnce() throws Exception {
        Channel ch = twilioChannel(1);
        t.proxy.next(AwsProxy.TRANSACT_WRITE_ITEMS, Fault.DROP_ANSWER, Fault.NEW_TOKEN);
        HttpResponse r = t.webhook.respond(Deliveries.twilio(
                ch,
                "",
                twilioParams(
                        "CAnew" + UUID.randomUUID().toString().substring(0, 8), "+14155550100", "ringing", false)));
        assertEquals(200, r.status(), r.body());
        assertTrue(r.body().contains("<Connect>"), "connected, not busy: " + r.body());
        assertEquals(1, counter(ch.instanceId()), "active_calls");
        assertEquals(1, callRecords(ch.instanceId()), "call records");
    }

    /**
     * The admission's lost answer, then its retry cancelled (a conflict, or re-executed as a new
     * request): the store's own re-read finds the admission it wrote, on either emulator, where the
     * counter alone says "full".
     */
    @ParameterizedTest
    @EnumSource(
            value = Fault.class,
            names = {"TRANSACTION_CONFLICT", "NEW_TOKEN"})
    void aRetellAdmissionWhoseLostAnswersRetryIsCancelledIsAdmittedOnce(Fault retry) throws Exception {
        Channel ch = t.channels.retell(
                t.caller, t.aws.registerInstance(t.caller), "key_" + UUID.randomUUID(), OptionalLong.of(1));
        t.proxy.next(AwsProxy.TRANSACT_WRITE_ITEMS, Fault.DROP_ANSWER, retry);
        HttpResponse r = t.webhook.respond(Deliveries.retell(ch, inboundBody("+14155550123")));
        assertEquals(200, r.status(), r.body());
        JsonNode answer = Json.MAPPER.readTree(r.body()).path("call_inbound");
        assertTrue(answer.has("override_agent_id"), "admitted, not declined: " + r.body());
        assertEquals(1, admissionItems(ch.instanceId()), "one admission, none orphaned");
        assertEquals(1, counter(ch.instanceId()));
        assertEquals(
                admissionItemIds(ch.instanceId()),
                List.of(answer.path("metadata").path("hydra_admission").asText()),
                "the answer names the admission written");
    }

    private static List<String> admissionItemIds(String iid) {
        return AdmissionLimitIT.items(iid, TableLayout.ADMISSION_PREFIX).stream()
                .map(i -> TableLayout.str(i, TableLayout.SK).substring(TableLayout.ADMISSION_PREFIX.length()))
                .toList();
    }

    private Channel twilioChannel(long limit) {
        return t.channels.pipecat(
                t.caller,
                t.aws.registerInstance(t.caller),
                "tok_" + UUID.randomUUID(),
                "sec_" + UUID.randomUUID(),
                OptionalLong.of(limit));
    }
}
