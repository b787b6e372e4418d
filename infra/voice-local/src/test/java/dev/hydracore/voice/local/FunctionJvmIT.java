package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;

/**
 * One definition of a function JVM: ./hydra local and ./hydra invoke (FunctionLauncher) start
 * exactly the command ./hydra bench times and records as {@code cold_start.<id>.command}
 * ({@link FunctionJvm#command}), AOT cache included when a matching one exists; the AOT training
 * run is that command with {@code -XX:AOTCacheOutput}; a cache the JVM rejects breaks no invocation.
 */
class FunctionJvmIT {

    @Test
    void localAndInvokeStartExactlyTheCommandTheBenchTimesForEveryFunction() throws Exception {
        TestAws aws = TestAws.shared();
        Path root = ProjectPaths.root();
        List<String> options = JvmOptions.read(root);
        try (LocalRuntime runtime = new LocalRuntime(
                root,
                CfnTemplate.load(ProjectPaths.template()),
                aws.resources(),
                Map.of("PublicBaseUrl", TestAws.PUBLIC_BASE_URL),
                aws.aws().endpoint(),
                aws.aws().credentials())) {
            FunctionJvm benchJvm = FunctionJvm.forProject(root); // what Bench builds its commands with
            assertTrue(runtime.functions().size() >= 6);
            for (LocalFunction f : runtime.functions()) {
                try (RuntimeApi api = new RuntimeApi("arn:test")) {
                    ProcessBuilder pb = runtime.launcher().processBuilder(f, api, null);
                    List<String> invoke = pb.command();
                    List<String> bench = benchJvm.command(f, List.of());
                    assertEquals(bench, invoke, f.logicalId());
                    assertTrue(invoke.containsAll(options), f.logicalId() + " lacks infra/jvm-options: " + invoke);
                    assertTrue(invoke.contains("-XX:MaxRAM=" + f.memoryMb() + "m"));
                    assertTrue(
                            invoke.containsAll(RuntimeClient.jvmOptions()),
                            "native access, CRaC compat, the JNI copy: " + invoke);
                    String cp = invoke.get(invoke.indexOf("-cp") + 1);
                    Path taskRoot = FunctionCode.taskRoot(root, f);
                    assertTrue(cp.endsWith(":" + FunctionCode.taskJar(root, f)), cp);
                    assertTrue(FunctionCode.taskJar(root, f).startsWith(taskRoot.resolve("lib")));
                    assertEquals(
                            Files.size(FunctionCode.lambdaJar(root, f)),
                            Files.size(FunctionCode.taskJar(root, f)),
                            "the task root holds the package's jar");
                    assertEquals(
                            List.of(RuntimeClient.MAIN_CLASS, f.handler()),
                            invoke.subList(invoke.indexOf("-cp") + 2, invoke.size()));
                    assertEquals(taskRoot.toFile(), pb.directory());
                    assertEquals(api.address(), pb.environment().get("AWS_LAMBDA_RUNTIME_API"));
                    assertEquals(taskRoot.toString(), pb.environment().get("LAMBDA_TASK_ROOT"));
                }
                Path cache = root.resolve(f.codeUri()).resolve("target").resolve(f.module() + ".aot");
                List<String> invoke = benchJvm.command(f, List.of());
                assertEquals(
                        benchJvm.usableAotCache(f).isPresent(),
                        invoke.contains("-XX:AOTCache=" + cache),
                        f.logicalId() + ": the AOT cache is used exactly when a matching one exists: " + invoke);
            }
        }
    }

    @Test
    void aCacheIsUsedOnlyWhenTrainedWithThisJdkOptionsAndClasspath(@TempDir Path dir) throws Exception {
        Path jar = Files.writeString(dir.resolve("fn-lambda.jar"), "not really a jar");
        Path cache = dir.resolve("fn.aot");
        FunctionJvm jvm = new FunctionJvm(List.of("-XX:+UseSerialGC", "-Xshare:auto"), f -> List.of(jar), f -> cache);
        LocalFunction f = new LocalFunction("Fn", "x.Handler", "functions/fn", 512, 3, List.of());

        assertTrue(jvm.usableAotCache(f).isEmpty());
        assertFalse(jvm.command(f, List.of()).stream().anyMatch(a -> a.startsWith("-XX:AOTCache")));
        List<String> training = jvm.trainingCommand(f);
        assertTrue(training.contains("-XX:AOTCacheOutput=" + cache));
        assertFalse(training.contains("-Xshare:auto"), "JDK 25 refuses -Xshare with AOT options");

        Files.writeString(cache, "cache");
        assertTrue(jvm.usableAotCache(f).isEmpty(), "a cache without a record of its training is not trusted");
        jvm.recordTraining(f);
        assertEquals(Path.of(cache.toString()), jvm.usableAotCache(f).orElseThrow());
        List<String> run = jvm.command(f, List.of());
        List<String> expected = new ArrayList<>(training);
        expected.replaceAll(a -> a.equals("-XX:AOTCacheOutput=" + cache) ? "-XX:AOTCache=" + cache : a);
        assertEquals(expected, run, "the timed/local command is the training command with -XX:AOTCache");

        FunctionJvm otherOptions = new FunctionJvm(List.of("-XX:+UseParallelGC"), x -> List.of(jar), x -> cache);
        assertTrue(otherOptions.usableAotCache(f).isEmpty(), "trained with other JVM options");
        Path otherJar = Files.writeString(dir.resolve("other-lambda.jar"), "x");
        FunctionJvm otherClasspath =
                new FunctionJvm(List.of("-XX:+UseSerialGC", "-Xshare:auto"), x -> List.of(otherJar), x -> cache);
        assertTrue(otherClasspath.usableAotCache(f).isEmpty(), "trained with another classpath");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        assertTrue(jvm.usableAotCache(f).isEmpty(), "the function's jar was rebuilt after the training run");
        assertTrue(jvm.commandWithoutAot(f, List.of()).stream().noneMatch(a -> a.startsWith("-XX:AOTCache")));
    }

    @Test
    void aCacheTheJvmRejectsDoesNotBreakTheInvocation(@TempDir Path dir) throws Exception {
        Path testClasses = Path.of(EchoHandler.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        Path cache = Files.writeString(dir.resolve("garbage.aot"), "not an AOT cache");
        FunctionJvm jvm = new FunctionJvm(JvmOptions.read(ProjectPaths.root()), f -> List.of(testClasses), f -> cache);
        LocalFunction f = new LocalFunction(
                "Echo", EchoHandler.class.getName() + "::handleRequest", "unused", 256, 10, List.of());
        jvm.recordTraining(f);
        assertTrue(jvm.usableAotCache(f).isPresent());
        FunctionLauncher launcher = new FunctionLauncher(
                jvm,
                x -> LambdaEnvironment.of(
                        x,
                        Map.of(),
                        URI.create("http://127.0.0.1:9"),
                        "us-east-1",
                        AwsBasicCredentials.create("test", "test")));
        assertTrue(jvm.command(f, List.of()).contains("-XX:AOTCache=" + cache));
        Path event = Files.writeString(dir.resolve("event.json"), "{\"version\":\"2.0\",\"rawPath\":\"/echo\"}");
        InvokeResult ok = launcher.invokeOnce(f, event);
        assertEquals(InvokeResult.Outcome.RESULT, ok.outcome(), ok::payloadText);
        // The response is the handler's JSON, posted to the Runtime API whatever HotSpot logged.
        assertEquals(200, Json.MAPPER.readTree(ok.payload()).path("statusCode").asInt(), ok::payloadText);
        assertTrue(ok.payloadText().strip().startsWith("{"), ok::payloadText);
    }
}
