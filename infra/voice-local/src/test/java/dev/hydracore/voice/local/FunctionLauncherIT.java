package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;

/** Outcomes as Lambda has them under the runtime interface client: init errors, function errors, timeouts, payload limits. */
class FunctionLauncherIT {

    private static FunctionLauncher launcher() throws Exception {
        Path testClasses = Path.of(EchoHandler.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        return new FunctionLauncher(
                new FunctionJvm(
                        JvmOptions.read(ProjectPaths.root()),
                        f -> List.of(testClasses),
                        f -> testClasses.resolve("no-such-cache.aot")),
                f -> LambdaEnvironment.of(
                        f,
                        Map.of(),
                        URI.create("http://127.0.0.1:9"),
                        "us-east-1",
                        AwsBasicCredentials.create("test", "test")));
    }

    private static LocalFunction function(String handler, int timeoutSeconds) {
        return new LocalFunction("TestFunction", handler, "unused", 256, timeoutSeconds, List.of());
    }

    private static Path event(Path dir, String rawPath) throws Exception {
        return Files.writeString(dir.resolve("event.json"), "{\"version\":\"2.0\",\"rawPath\":\"" + rawPath + "\"}");
    }

    @Test
    void aHandlerThatCannotBeBuiltIsAnInitErrorAndItsEnvironmentIsNotKept(@TempDir Path dir) throws Exception {
        // As Lambda's java runtime reports it: a missing class fails each invocation, a failing constructor the init.
        LocalFunction missingClass = function("dev.hydracore.voice.local.NoSuchHandler::handleRequest", 3);
        InvokeResult notFound = launcher().invokeOnce(missingClass, event(dir, "/x"));
        assertEquals(InvokeResult.Outcome.FUNCTION_ERROR, notFound.outcome(), notFound::payloadText);
        assertEquals(
                "java.lang.ClassNotFoundException",
                Json.MAPPER.readTree(notFound.payload()).path("errorType").asText());

        LocalFunction missing = function(FailingInitHandler.class.getName() + "::handleRequest", 3);
        InvokeResult once = launcher().invokeOnce(missing, event(dir, "/x"));
        assertEquals(InvokeResult.Outcome.INIT_ERROR, once.outcome(), once::payloadText);
        assertEquals(
                "java.lang.IllegalStateException",
                Json.MAPPER.readTree(once.payload()).path("errorType").asText(),
                once::payloadText);

        try (FunctionPool pool = new FunctionPool(missing, launcher(), 1)) {
            InvokeResult warm = pool.invoke("req-1", "{}".getBytes(StandardCharsets.UTF_8));
            assertEquals(InvokeResult.Outcome.INIT_ERROR, warm.outcome(), warm::payloadText);
            assertEquals(List.of(), pool.pids(), "a failed init leaves no environment behind");
        }
    }

    @Test
    void onceReportsFunctionErrorsAndTimeoutsInLambdasErrorShape(@TempDir Path dir) throws Exception {
        FunctionLauncher launcher = launcher();
        String echo = EchoHandler.class.getName() + "::handleRequest";

        InvokeResult failed = launcher.invokeOnce(function(echo, 3), event(dir, "/fail"));
        assertEquals(InvokeResult.Outcome.FUNCTION_ERROR, failed.outcome(), failed::payloadText);
        JsonNode error = Json.MAPPER.readTree(failed.payload());
        assertEquals("java.lang.IllegalStateException", error.path("errorType").asText());
        assertEquals("asked to fail", error.path("errorMessage").asText());
        assertTrue(error.path("stackTrace").isArray());

        long started = System.nanoTime();
        InvokeResult slow = launcher.invokeOnce(function(echo, 1), event(dir, "/sleep"));
        assertEquals(InvokeResult.Outcome.TIMEOUT, slow.outcome(), slow::payloadText);
        assertEquals(
                "Task timed out after 1.00 seconds",
                Json.MAPPER.readTree(slow.payload()).path("errorMessage").asText());
        assertTrue(
                (System.nanoTime() - started) / 1_000_000_000 < 6,
                "stopped at the function's Timeout, not the sleep's end");

        InvokeResult huge = launcher.invokeOnce(function(echo, 10), event(dir, "/huge"));
        assertEquals(
                InvokeResult.Outcome.FUNCTION_ERROR,
                huge.outcome(),
                () -> huge.payloadText().substring(0, 200));
        assertEquals(
                "Function.ResponseSizeTooLarge",
                Json.MAPPER.readTree(huge.payload()).path("errorType").asText());

        InvokeResult ok = launcher.invokeOnce(function(echo, 3), event(dir, "/echo"));
        assertEquals(InvokeResult.Outcome.RESULT, ok.outcome(), ok::payloadText);
        assertEquals(200, Json.MAPPER.readTree(ok.payload()).path("statusCode").asInt());
    }
}
