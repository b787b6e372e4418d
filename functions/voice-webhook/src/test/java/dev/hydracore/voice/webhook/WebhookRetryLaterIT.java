package dev.hydracore.voice.webhook;

import static dev.hydracore.voice.webhook.AdmissionLimitIT.admissionItems;
import static dev.hydracore.voice.webhook.AdmissionLimitIT.callRecords;
import static dev.hydracore.voice.webhook.AdmissionLimitIT.counter;
import static dev.hydracore.voice.webhook.AdmissionLimitIT.inboundBody;
import static dev.hydracore.voice.webhook.Deliveries.twilioParams;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.aws.RetryPolicy;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.testkit.AwsProxy;
import dev.hydracore.voice.testkit.AwsProxy.Fault;
import dev.hydracore.voice.testkit.TestChannels.Channel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The webhook's 503s (docs/retries.md), each scripted at the fault proxy: the event's deadline
 * ({@link RetryPolicy#WEBHOOK_EVENT_BUDGET}) ends a store loop that would otherwise outlast
 * Retell's 10 s; lost races past the store's attempts; throttles past the SDK's. Each answers 503
 * with Retry-After having counted nothing, and the provider's redeliveries once the faults clear
 * count the event exactly once.
 */
class WebhookRetryLaterIT {
    /** Every call held this long, so each re-decision (a transaction and its re-read) takes at least twice it. */
    static final Duration SLOW = Duration.ofMillis(500);

    static ThroughProxy t;

    @BeforeAll
    static void setUp() throws Exception {
        t = ThroughProxy.withWebhookRetries();
    }

    @AfterEach
    void noFaultsLeft() {
        t.proxy.clearFaults().holdEach(Duration.ZERO).reset();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void aRingWhoseEveryTransactionIsSlowAndConflictedIsA503WithinTheEventsBudget() {
        Channel ch = twilioChannel();
        ObjectNode ring = ring(ch, "CAslow");
        t.proxy.holdEach(SLOW).atRandom(AwsProxy.TRANSACT_WRITE_ITEMS, Map.of(Fault.TRANSACTION_CONFLICT, 1.0));
        long started = System.nanoTime();
        HttpResponse r = t.webhook.respond(ring);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertUnavailable(r);
        // Ten re-decisions of at least 1 s each would take past Retell's 10 s; the budget ends the loop first.
        assertTrue(
                took.compareTo(RetryPolicy.WEBHOOK_EVENT_BUDGET.plusSeconds(1)) < 0,
                "answered after " + took.toMillis() + " ms");
        long transactions = transactions();
        assertTrue(
                transactions >= 2 && transactions < 10,
                "re-decided, and stopped by the deadline before the store's 10 attempts: " + transactions);
        assertEquals(0, counter(ch.instanceId()), "nothing counted");
        assertEquals(0, callRecords(ch.instanceId()), "nothing recorded");

        noFaultsLeft();
        assertConnected(t.webhook.respond(ring));
        assertConnected(t.webhook.respond(ring));
        assertEquals(1, counter(ch.instanceId()), "the redeliveries counted once");
        assertEquals(1, callRecords(ch.instanceId()));
    }

    @Test
    void aRetellAdmissionWhoseEveryTransactionIsSlowAndConflictedIsA503WithinTheEventsBudget() throws Exception {
        Channel ch = t.channels.retell(
                t.caller, t.aws.registerInstance(t.caller), "key_" + UUID.randomUUID(), OptionalLong.of(1));
        ObjectNode inbound = Deliveries.retell(ch, inboundBody("+14155550123"));
        t.proxy.holdEach(SLOW).atRandom(AwsProxy.TRANSACT_WRITE_ITEMS, Map.of(Fault.TRANSACTION_CONFLICT, 1.0));
        long started = System.nanoTime();
        HttpResponse r = t.webhook.respond(inbound);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertUnavailable(r);
        assertTrue(
                took.compareTo(RetryPolicy.WEBHOOK_EVENT_BUDGET.plusSeconds(1)) < 0,
                "answered after " + took.toMillis() + " ms");
        assertTrue(transactions() < 10, "stopped by the deadline: " + transactions());
        assertEquals(0, admissionItems(ch.instanceId()), "no admission written");
        assertEquals(0, counter(ch.instanceId()));

        noFaultsLeft();
        HttpResponse admitted = t.webhook.respond(inbound);
        assertEquals(200, admitted.status(), admitted.body());
        assertTrue(
                Json.MAPPER.readTree(admitted.body()).path("call_inbound").has("override_agent_id"),
                "admitted: " + admitted.body());
        assertEquals(1, admissionItems(ch.instanceId()));
        assertEquals(1, counter(ch.instanceId()));
    }

    @Test
    void lostRacesPastTheStoresAttemptsAre503AndTheRedeliveriesCountOnce() {
        Channel ch = twilioChannel();
        String sid = "CAraced" + UUID.randomUUID().toString().substring(0, 8);
        ObjectNode ring = Deliveries.twilio(ch, "", twilioParams(sid, "+14155550100", "ringing", false));
        ObjectNode end = Deliveries.twilio(ch, "", twilioParams(sid, "+14155550100", "completed", true));

        t.proxy.atRandom(AwsProxy.TRANSACT_WRITE_ITEMS, Map.of(Fault.TRANSACTION_CONFLICT, 1.0));
        assertUnavailable(t.webhook.respond(ring));
        assertTrue(transactions() > 1, "the store re-decided before giving up: " + transactions());
        assertEquals(0, counter(ch.instanceId()));
        noFaultsLeft();
        assertConnected(t.webhook.respond(ring));
        assertConnected(t.webhook.respond(ring));
        assertEquals(1, counter(ch.instanceId()), "counted once");

        t.proxy.atRandom(AwsProxy.TRANSACT_WRITE_ITEMS, Map.of(Fault.TRANSACTION_CONFLICT, 1.0));
        assertUnavailable(t.webhook.respond(end));
        assertEquals(1, counter(ch.instanceId()), "the end not yet applied");
        noFaultsLeft();
        assertEquals(200, t.webhook.respond(end).status());
        assertEquals(200, t.webhook.respond(end).status());
        assertEquals(0, counter(ch.instanceId()), "ended once: not below zero");
        assertEquals(1, callRecords(ch.instanceId()));
    }

    @ParameterizedTest
    @EnumSource(
            value = Fault.class,
            names = {"PROVISIONED_THROUGHPUT_EXCEEDED", "THROTTLING"})
    void throttlesPastTheSdksAttemptsAre503AndTheRedeliveriesCountOnce(Fault throttle) {
        Channel ch = twilioChannel();
        ObjectNode ring = ring(ch, "CAthrottled");
        t.proxy.atRandom(AwsProxy.TRANSACT_WRITE_ITEMS, Map.of(throttle, 1.0));
        assertUnavailable(t.webhook.respond(ring));
        List<Optional<String>> tokens = t.proxy.seen().stream()
                .filter(s -> s.operation().equals(AwsProxy.TRANSACT_WRITE_ITEMS))
                .map(AwsProxy.Seen::token)
                .toList();
        assertEquals(RetryPolicy.WEBHOOK.attempts(), tokens.size(), "the SDK's attempts, then the 503");
        assertEquals(1, tokens.stream().distinct().count(), "one transaction, retried with its token: " + tokens);
        assertEquals(0, counter(ch.instanceId()));
        assertEquals(0, callRecords(ch.instanceId()));

        noFaultsLeft();
        assertConnected(t.webhook.respond(ring));
        assertConnected(t.webhook.respond(ring));
        assertEquals(1, counter(ch.instanceId()), "counted once");
        assertEquals(1, callRecords(ch.instanceId()));
    }

    private static void assertUnavailable(HttpResponse r) {
        assertEquals(503, r.status(), r.body());
        assertEquals("1", r.headers().get("retry-after"), "503 with Retry-After: " + r.headers());
    }

    private static void assertConnected(HttpResponse r) {
        assertEquals(200, r.status(), r.body());
        assertTrue(r.body().contains("<Connect>"), "connected, not busy: " + r.body());
    }

    private static long transactions() {
        return t.proxy.seen().stream()
                .filter(s -> s.operation().equals(AwsProxy.TRANSACT_WRITE_ITEMS))
                .count();
    }

    private static ObjectNode ring(Channel ch, String prefix) {
        String sid = prefix + UUID.randomUUID().toString().substring(0, 8);
        return Deliveries.twilio(ch, "", twilioParams(sid, "+14155550100", "ringing", false));
    }

    private Channel twilioChannel() {
        return t.channels.pipecat(
                t.caller,
                t.aws.registerInstance(t.caller),
                "tok_" + UUID.randomUUID(),
                "sec_" + UUID.randomUUID(),
                OptionalLong.of(1));
    }
}
