package dev.hydracore.voice.setup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.store.TableLayout;
import dev.hydracore.voice.testkit.AwsProxy;
import dev.hydracore.voice.testkit.AwsProxy.Fault;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Setup with an Idempotency-Key whose claim (a conditional PutItem, which has no idempotency
 * token) committed but whose answer was lost: the retry meets the request's own claim and must
 * read it as its own — the setup runs at once and answers 200 — not as another request's. And a
 * setup whose channel save (a conditional UpdateItem) committed with its answer lost: the retry
 * meets its own save and it stands — no second round of the setup as if another request had
 * created the channel meanwhile.
 */
class SetupLostClaimIT {
    static TestAws aws;
    static AwsProxy proxy;
    static SetupVoiceHandler handler;
    static TestCaller caller;

    @BeforeAll
    static void setUp() throws Exception {
        aws = TestAws.shared();
        proxy = new AwsProxy(aws.aws().endpoint());
        handler = new SetupVoiceHandler(aws.servicesVia(proxy.endpoint()));
        caller = aws.newCaller();
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @Test
    void aClaimWhoseAnswerIsLostRunsTheSetupAtOnce() {
        String iid = aws.registerInstance(caller);
        String key = "lost-claim-" + UUID.randomUUID();
        String body = SetupIdempotencyIT.retell("key_" + UUID.randomUUID());
        proxy.nextMatching(AwsProxy.PUT_ITEM, b -> b.contains("idempotency_status"), Fault.DROP_ANSWER);
        long start = System.nanoTime();
        HttpResponse first = SetupIdempotencyIT.post(handler, caller, iid, key, body);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, first.status(), first.body());
        assertNull(first.headers().get("idempotent-replayed"), "the first answer is not a replay");
        assertTrue(millis < 3000, "answered at once, not after waiting on itself: " + millis + " ms");

        HttpResponse again = SetupIdempotencyIT.post(handler, caller, iid, key, body);
        assertEquals(200, again.status(), again.body());
        assertEquals("true", again.headers().get("idempotent-replayed"));
        assertEquals(first.body(), again.body());
    }

    @ParameterizedTest
    @EnumSource(
            value = Fault.class,
            names = {"DROP_ANSWER", "RESET_BEFORE_FORWARD"})
    void aSaveWhoseAnswerIsLostIsTheSetupsOwnSave(Fault fault) {
        String iid = aws.registerInstance(caller);
        String body = SetupIdempotencyIT.retell("key_" + UUID.randomUUID());
        proxy.nextMatching(
                AwsProxy.UPDATE_ITEM, b -> b.contains(iid) && b.contains(TableLayout.SEALED_CREDENTIALS), fault);
        proxy.reset();
        HttpResponse r = SetupIdempotencyIT.post(handler, caller, iid, null, body);
        assertEquals(200, r.status(), r.body());
        assertEquals(
                2,
                proxy.counts().getOrDefault(AwsProxy.UPDATE_ITEM, 0),
                "the save and the SDK's retry of it, which met our own write: no second round");
        Map<String, AttributeValue> stored = aws.dynamo()
                .getItem(g -> g.tableName(aws.resources().tableName())
                        .key(TableLayout.instanceKey(iid))
                        .consistentRead(true))
                .item();
        assertTrue(r.body().contains(iid), r.body());
        assertEquals(0, TableLayout.num(stored, TableLayout.ACTIVE_CALLS, -1));
        assertTrue(TableLayout.str(stored, TableLayout.GENERATION) != null, "the channel is stored");
    }
}
