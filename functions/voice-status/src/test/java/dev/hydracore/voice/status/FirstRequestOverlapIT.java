package dev.hydracore.voice.status;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.testkit.AwsProxy;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.tooling.ApiEvents;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The environment's first request (a cold start, or the first after a SnapStart restore) waits for
 * one round of AWS requests, not three: the pepper fetch, the key's lookup by its public key id and
 * the instance read are in flight at once. Later requests keep the one-read warm path, and a request
 * with an unknown key does not get a read alongside once the first lookup is done. The proxy holds
 * each call 300 ms, so calls that overlap are seen in flight together.
 */
class FirstRequestOverlapIT {
    static final String ROUTE = "GET /v1/instances/{instance_id}/channels/voice";
    static final String SM = "secretsmanager.GetSecretValue";
    static final String GET_ITEM = "DynamoDB_20120810.GetItem";

    static TestAws aws = TestAws.shared();

    static HttpResponse get(VoiceStatusHandler handler, String instance, Map<String, String> headers) {
        return handler.respond(ApiEvents.of(
                "GET",
                "/v1/instances/" + instance + "/channels/voice",
                ROUTE,
                Map.of("instance_id", instance),
                headers,
                null));
    }

    @Test
    void theFirstRequestOverlapsItsThreeReadsAndLaterOnesKeepTheWarmPath() throws Exception {
        TestCaller caller = aws.newCaller();
        String instance = aws.registerInstance(caller);
        try (AwsProxy proxy = new AwsProxy(aws.aws().endpoint()).holdEach(Duration.ofMillis(300))) {
            Services services = aws.servicesVia(proxy.endpoint());
            VoiceStatusHandler handler = new VoiceStatusHandler(services);

            assertEquals(200, get(handler, instance, caller.bearer()).status());
            assertEquals(Map.of(SM, 1, GET_ITEM, 2), proxy.counts(), "pepper, key, instance");
            assertEquals(3, proxy.maxInFlight(), "all three in flight at once");

            proxy.reset();
            assertEquals(200, get(handler, instance, caller.bearer()).status());
            assertEquals(Map.of(GET_ITEM, 1), proxy.counts(), "warm: the key is cached, one instance read");

            proxy.reset();
            TestCaller other = aws.newCaller();
            Map<String, String> forged = Map.of("authorization", "Bearer " + other.keyId() + "_" + "B".repeat(43));
            assertEquals(401, get(handler, instance, forged).status());
            assertEquals(
                    Map.of(GET_ITEM, 1), proxy.counts(), "an unknown key costs its lookup only, nothing alongside");

            // What SnapStart does before the snapshot: the next request is a first request again.
            services.clearSecrets();
            proxy.reset();
            assertEquals(200, get(handler, instance, caller.bearer()).status());
            assertEquals(Map.of(SM, 1, GET_ITEM, 2), new TreeMap<>(proxy.counts()));
            assertEquals(3, proxy.maxInFlight());
        }
    }

    @Test
    void aRevokedKeyIsRefusedOnTheOverlappedPathToo() {
        TestCaller caller = aws.newCaller();
        String instance = aws.registerInstance(caller);
        aws.admin().revokeKey(caller.keyId());
        VoiceStatusHandler handler = new VoiceStatusHandler(aws.services());
        assertEquals(401, get(handler, instance, caller.bearer()).status());
    }
}
