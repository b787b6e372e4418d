package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.http.HttpRequest;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.crac.Resource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * SnapStart priming of EVERY function template.yaml declares: its handler (built with a
 * {@link Services} on the emulator, as the no-arg constructor would build one from the
 * environment) is a CRaC {@link Resource}; its {@code beforeCheckpoint} (called directly, as the
 * runtime would before the snapshot) runs the real code path's reads, leaves every table exactly
 * as it was (a full consistent scan before and after), makes no DynamoDB write request at all,
 * and leaves no pepper, API key or data key in memory.
 */
class EveryFunctionPrimingIT {
    /** DynamoDB operations that change data; priming must send none of them. */
    static final Set<String> WRITES = Set.of(
            "putItem",
            "updateItem",
            "deleteItem",
            "batchWriteItem",
            "transactWriteItems",
            "executeStatement",
            "batchExecuteStatement",
            "executeTransaction");

    static TestAws aws;
    static TestCaller caller;
    static String instance;

    @BeforeAll
    static void setUp() {
        aws = TestAws.shared();
        caller = aws.newCaller();
        instance = aws.registerInstance(caller);
    }

    static Map<String, String> handlers() {
        Map<String, String> out = new TreeMap<>();
        CfnTemplate template = CfnTemplate.load(ProjectPaths.template());
        template.resources("AWS::Serverless::Function").forEach((id, r) -> {
            String handler = r.path("Properties")
                    .path("Handler")
                    .asText(template.root()
                            .path("Globals")
                            .path("Function")
                            .path("Handler")
                            .asText(""));
            int sep = handler.indexOf("::");
            out.put(id, sep < 0 ? handler : handler.substring(0, sep));
        });
        return out;
    }

    @Test
    void theTemplateDeclaresFunctions() {
        assertTrue(handlers().size() >= 6, "functions found: " + handlers());
    }

    @TestFactory
    Stream<DynamicTest> primingOfEveryFunctionReadsOnlyWritesNothingAndForgetsEverySecret() {
        List<DynamicTest> tests = new ArrayList<>();
        handlers()
                .forEach((id, handlerClass) -> tests.add(DynamicTest.dynamicTest(id + " (" + handlerClass + ")", () -> {
                    List<String> operations = Collections.synchronizedList(new ArrayList<>());
                    Services services = aws.services(aws.settings(), (operation, request, proceed) -> {
                        operations.add(operation);
                        return proceed.call();
                    });
                    Object handler = Class.forName(handlerClass)
                            .getConstructor(Services.class)
                            .newInstance(services);
                    Resource resource =
                            assertInstanceOf(Resource.class, handler, id + " registers no CRaC priming hook");
                    assertTrue(operations.isEmpty(), id + "'s constructor called DynamoDB: " + operations);

                    // A warm environment: pepper fetched, a key validated and cached, a data key cached.
                    services.authenticator()
                            .authenticate(HttpRequest.fromEvent(Json.MAPPER.readTree(
                                    "{\"headers\":{\"authorization\":\"Bearer " + caller.apiKey() + "\"}}")));
                    services.vault().seal(instance, Map.of("api_key", "priming-test-credential"));
                    assertTrue(services.authenticator().pepper().loaded());
                    assertEquals(1, services.authenticator().cachedKeys());
                    assertEquals(1, services.vault().cachedKeys());
                    Map<String, String> before = snapshotOfEveryTable();
                    assertTrue(before.size() >= 3, "the tables hold the tenant, key and instance items");
                    operations.clear();

                    // Priming swallows its own failures (a snapshot without it is slower, not wrong): catch
                    // them here through the warning it logs, so a broken path cannot pass as "wrote nothing".
                    java.io.ByteArrayOutputStream logs = new java.io.ByteArrayOutputStream();
                    java.io.PrintStream stderr = System.err;
                    System.setErr(new java.io.PrintStream(logs, true, java.nio.charset.StandardCharsets.UTF_8));
                    try {
                        resource.beforeCheckpoint(null);
                    } finally {
                        System.setErr(stderr);
                    }
                    String logged = logs.toString(java.nio.charset.StandardCharsets.UTF_8);
                    stderr.print(logged);
                    assertFalse(logged.contains("snapstart priming failed"), id + ": priming failed: " + logged);

                    assertEquals(before, snapshotOfEveryTable(), id + ": priming changed a table");
                    assertFalse(operations.isEmpty(), id + ": priming sent no DynamoDB request (no real path ran)");
                    assertTrue(
                            operations.stream().noneMatch(WRITES::contains),
                            id + ": priming sent a write: " + operations);
                    assertFalse(
                            services.authenticator().pepper().loaded(), id + ": the pepper is in memory after priming");
                    assertEquals(0, services.authenticator().cachedKeys(), id + ": API keys are cached after priming");
                    assertEquals(0, services.vault().cachedKeys(), id + ": data keys are cached after priming");
                })));
        return tests.stream();
    }

    static Map<String, String> snapshotOfEveryTable() {
        return aws.snapshotOfEveryTable();
    }
}
