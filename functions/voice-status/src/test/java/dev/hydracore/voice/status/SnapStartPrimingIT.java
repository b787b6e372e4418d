package dev.hydracore.voice.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.http.ApiHandler;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SnapStart priming (the CRaC beforeCheckpoint hook, called directly as the runtime would):
 * it runs the real read path, writes nothing to any table, and leaves no secret or cache behind.
 */
class SnapStartPrimingIT {
    static TestAws aws;
    static TestCaller caller;
    static String instance;

    @BeforeAll
    static void setUp() {
        aws = TestAws.shared();
        caller = aws.newCaller();
        instance = aws.registerInstance(caller);
    }

    static Map<String, String> snapshotOfEveryTable() {
        return aws.snapshotOfEveryTable();
    }

    static HttpResponse get(ApiHandler handler, String iid, String key) {
        return handler.respond(VoiceStatusHandlerIT.event(iid, Map.of("authorization", "Bearer " + key)));
    }

    @Test
    void primingWritesNothingAndForgetsEverySecret() {
        Services services = aws.services();
        VoiceStatusHandler handler = new VoiceStatusHandler(services);
        // A warm environment: pepper fetched, key cached, a data key cached in the vault.
        assertEquals(200, get(handler, instance, caller.apiKey()).status());
        services.vault().seal(instance, Map.of("api_key", "priming-test-credential"));
        assertTrue(services.authenticator().pepper().loaded());
        assertEquals(1, services.authenticator().cachedKeys());
        assertEquals(1, services.vault().cachedKeys());
        int tables = CfnTemplate.load(ProjectPaths.template())
                .resources("AWS::DynamoDB::Table")
                .size();
        Map<String, String> before = snapshotOfEveryTable();
        assertTrue(before.size() >= 3, "the tables hold the tenant, key and instance items");

        handler.beforeCheckpoint(null);

        assertEquals(before, snapshotOfEveryTable(), "priming changed a table (" + tables + " scanned)");
        assertFalse(services.authenticator().pepper().loaded(), "the pepper is in memory after priming");
        assertEquals(0, services.authenticator().cachedKeys(), "API keys are cached after priming");
        assertEquals(0, services.vault().cachedKeys(), "data keys are cached after priming");

        // After restore the next request fetches what it needs again.
        handler.afterRestore(null);
        assertEquals(200, get(handler, instance, caller.apiKey()).status());
        assertTrue(services.authenticator().pepper().loaded());
    }

    @Test
    void thePrimingRequestIsTheUnauthenticatedReadOnlyPath() {
        VoiceStatusHandler handler = new VoiceStatusHandler(aws.services());
        Map<String, String> before = snapshotOfEveryTable();
        HttpResponse r = get(handler, ApiHandler.PRIMING_INSTANCE_ID, ApiHandler.PRIMING_API_KEY);
        assertEquals(401, r.status());
        assertEquals("{\"detail\":\"Invalid API key\"}", r.body());
        // The all-zero instance is never registered, and priming's key matches no stored key.
        assertEquals(
                404,
                get(handler, ApiHandler.PRIMING_INSTANCE_ID, caller.apiKey()).status());
        assertEquals(before, snapshotOfEveryTable());
    }

    @Test
    void primingSurvivesAnUnreachableEmulatorAndStillForgets() {
        Services down = aws.unreachableServices();
        VoiceStatusHandler handler = new VoiceStatusHandler(down);
        handler.beforeCheckpoint(null);
        assertFalse(down.authenticator().pepper().loaded());
        assertEquals(0, down.authenticator().cachedKeys());
    }
}
