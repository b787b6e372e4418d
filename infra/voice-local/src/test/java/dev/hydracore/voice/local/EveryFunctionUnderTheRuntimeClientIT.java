package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every function of template.yaml, each of its sample events, in one execution environment per
 * function and mode, as Lambda runs it: AWS's runtime interface client against the environment's
 * Runtime API, the function's deployable package as its task root, the emulator.
 *
 * <ul>
 *   <li>snap-start (the template's mode): the process environment holds no access-key variable;
 *       the CRaC hooks ran through the client before it asked for {@code restore/next} (priming
 *       made AWS calls, so the container-credentials endpoint had served credentials by then) and
 *       wrote nothing (every table as before); then the samples are answered;</li>
 *   <li>on-demand ({@code --init-type on-demand}): access-key variables, no credentials endpoint,
 *       no hook, no restore; the same samples answered.</li>
 * </ul>
 */
class EveryFunctionUnderTheRuntimeClientIT {

    @TestFactory
    Stream<DynamicTest> everyFunctionAnswersItsSamplesInBothModes() {
        TestAws aws = TestAws.shared();
        Path root = ProjectPaths.root();
        List<DynamicTest> tests = new ArrayList<>();
        for (InitType mode : InitType.values()) {
            LocalRuntime probe = runtime(aws, Optional.of(mode));
            List<LocalFunction> functions = probe.functions();
            probe.close();
            assertTrue(functions.size() >= 6);
            for (LocalFunction f : functions) {
                tests.add(DynamicTest.dynamicTest(f.logicalId() + " " + mode.value(), () -> {
                    try (LocalRuntime runtime = runtime(aws, Optional.of(mode))) {
                        LocalFunction fn = runtime.function(f.logicalId());
                        assertEquals(mode, fn.initType());
                        Map<String, String> tablesBefore = aws.snapshotOfEveryTable();
                        try (ExecutionEnvironment env = runtime.launcher().start(fn)) {
                            Map<String, String> environ = ProcessEnvironment.of(env.pid());
                            assertEquals(mode.value(), environ.get("AWS_LAMBDA_INITIALIZATION_TYPE"));
                            assertEquals(env.runtimeApi().address(), environ.get("AWS_LAMBDA_RUNTIME_API"));
                            if (mode == InitType.SNAP_START) {
                                for (String v : LambdaEnvironment.CREDENTIAL_VARIABLES) {
                                    assertFalse(
                                            environ.containsKey(v),
                                            f.logicalId() + ": SnapStart environment holds " + v);
                                }
                                assertTrue(environ.containsKey("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
                                CredentialsUnderSnapStartIT.awaitRestorePoint(env);
                                ContainerCredentials endpoint =
                                        env.containerCredentials().orElseThrow();
                                assertTrue(
                                        endpoint.served() >= 1,
                                        f.logicalId()
                                                + ": no credentials were fetched before restore, so priming made no AWS call");
                                assertEquals(0, endpoint.refused());
                                assertEquals(
                                        tablesBefore,
                                        aws.snapshotOfEveryTable(),
                                        f.logicalId() + ": priming changed a table");
                            } else {
                                assertTrue(environ.containsKey("AWS_ACCESS_KEY_ID"));
                                assertFalse(environ.containsKey("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
                                assertTrue(env.containerCredentials().isEmpty());
                            }
                            List<Path> samples = SampleEvents.of(root, fn);
                            assertFalse(samples.isEmpty(), f.logicalId() + " has no sample event");
                            for (Path sample : samples) {
                                InvokeResult result =
                                        env.invoke("req-" + sample.getFileName(), Files.readAllBytes(sample));
                                assertEquals(
                                        InvokeResult.Outcome.RESULT,
                                        result.outcome(),
                                        () -> sample + ": " + result.payloadText());
                                if (!fn.routes().isEmpty()) {
                                    SampleEventInvokeIT.assertWellFormedHttpResponse(
                                            Json.MAPPER.readTree(result.payload()));
                                }
                            }
                            assertEquals(
                                    mode == InitType.SNAP_START,
                                    env.runtimeApi().restoredNanos().isPresent(),
                                    "restore/next is SnapStart's only");
                            assertTrue(env.alive(), "the environment stays warm");
                        }
                    }
                }));
            }
        }
        return tests.stream();
    }

    private static LocalRuntime runtime(TestAws aws, Optional<InitType> mode) {
        return new LocalRuntime(
                ProjectPaths.root(),
                CfnTemplate.load(ProjectPaths.template()),
                aws.resources(),
                Map.of("PublicBaseUrl", TestAws.PUBLIC_BASE_URL),
                aws.aws().endpoint(),
                aws.aws().credentials(),
                mode);
    }
}
