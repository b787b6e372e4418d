package dev.hydracore.voice.teardown;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.store.CleanupJobs;
import dev.hydracore.voice.core.store.TableLayout;
import dev.hydracore.voice.testkit.AwsProxy;
import dev.hydracore.voice.testkit.AwsProxy.Fault;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.testkit.TestChannels;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A teardown whose channel removal committed but whose answer was lost ({@code DROP_ANSWER}), or
 * was never forwarded ({@code RESET_BEFORE_FORWARD}): the SDK's retry meets our own removal and
 * the teardown still answers 204 — not 404 "not configured" or 409 — with exactly one purge job
 * and one provider clean-up job behind it, and only the registration left.
 */
class TeardownLostAnswerIT {
    static TestAws aws;
    static String table;
    static AwsProxy proxy;
    static TeardownVoiceHandler handler;
    static TestChannels channels;
    static TestCaller caller;

    @BeforeAll
    static void setUp() throws Exception {
        aws = TestAws.shared();
        table = aws.resources().tableName();
        proxy = new AwsProxy(aws.aws().endpoint());
        handler = new TeardownVoiceHandler(aws.servicesVia(proxy.endpoint()));
        channels = new TestChannels(aws);
        caller = aws.newCaller();
    }

    @AfterEach
    void noFaultLeft() {
        proxy.clearFaults();
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @ParameterizedTest
    @EnumSource(
            value = Fault.class,
            names = {"DROP_ANSWER", "RESET_BEFORE_FORWARD"})
    void aRemovalWhoseAnswerIsLostAnswers204WithOnePurgeAndOneCleanupJob(Fault fault) {
        String iid = aws.registerInstance(caller);
        channels.retell(caller, iid, "key_" + UUID.randomUUID());
        // A live call: the teardown queues a provider clean-up job to hang it up.
        aws.dynamo()
                .updateItem(u -> u.tableName(table)
                        .key(TableLayout.instanceKey(iid))
                        .updateExpression("ADD #c :one")
                        .expressionAttributeNames(Map.of("#c", TableLayout.ACTIVE_CALLS))
                        .expressionAttributeValues(Map.of(":one", TableLayout.n(1))));
        proxy.nextMatching(AwsProxy.UPDATE_ITEM, body -> body.contains(iid) && body.contains("REMOVE"), fault);

        HttpResponse r = delete(iid);
        assertEquals(204, r.status(), r.body());

        Map<String, AttributeValue> registration = aws.dynamo()
                .getItem(g ->
                        g.tableName(table).key(TableLayout.instanceKey(iid)).consistentRead(true))
                .item();
        assertFalse(registration.containsKey(TableLayout.GENERATION), "the channel is gone");
        assertTrue(
                TeardownVoiceHandlerIT.REGISTRATION_ATTRIBUTES.containsAll(registration.keySet()),
                "only the registration is left: " + registration.keySet());
        Map<String, AttributeValue> purgeJob = aws.dynamo()
                .getItem(g ->
                        g.tableName(table).key(TableLayout.purgeJobKey(iid)).consistentRead(true))
                .item();
        assertTrue(purgeJob != null && !purgeJob.isEmpty(), "one purge job (one per instance)");
        assertEquals(
                1,
                aws.services().cleanupJobs().due(Long.MAX_VALUE, Integer.MAX_VALUE).stream()
                        .map(CleanupJobs.Job::instanceId)
                        .filter(iid::equals)
                        .count(),
                "exactly one clean-up job");
        assertEquals(404, delete(iid).status(), "a second teardown finds none");
    }

    private static HttpResponse delete(String iid) {
        return handler.respond(TeardownVoiceHandlerIT.event(iid, caller.bearer()));
    }
}
