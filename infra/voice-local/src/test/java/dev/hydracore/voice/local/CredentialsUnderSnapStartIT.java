package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.File;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;

/**
 * What broke the deployed service: with SnapStart, Lambda sets no access-key variable, only the
 * container-credentials endpoint. Run under AWS's runtime client in snap-start mode, the chain
 * functions used before cannot resolve credentials at all, while {@code AwsClients.lambdaCredentials()}
 * gets them from the endpoint (before the snapshot, as priming does, and again after restore once
 * they are about to expire); on demand both resolve from the variables.
 */
class CredentialsUnderSnapStartIT {

    private static FunctionLauncher launcher(Duration credentialsLifetime) {
        // The test JVM's classpath is the probe's code: its classes, voice-core, the SDK.
        List<Path> code = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(Path::of)
                .toList();
        Path testClasses = code.stream()
                .filter(p -> p.endsWith("test-classes"))
                .findFirst()
                .orElseThrow();
        FunctionJvm jvm = new FunctionJvm(
                JvmOptions.read(ProjectPaths.root()),
                f -> code,
                f -> testClasses,
                f -> testClasses.resolve("no-such-cache.aot"),
                true);
        return new FunctionLauncher(
                jvm,
                f -> LambdaEnvironment.of(
                        f,
                        Map.of(),
                        URI.create("http://127.0.0.1:9"),
                        "us-east-1",
                        AwsBasicCredentials.create("AKIDLOCALTEST", "local-test-secret")),
                () -> AwsBasicCredentials.create("AKIDLOCALTEST", "local-test-secret"),
                credentialsLifetime);
    }

    private static LocalFunction probe(InitType type) {
        return new LocalFunction(
                "CredentialsProbe",
                CredentialsProbe.class.getName() + "::handleRequest",
                "unused",
                512,
                20,
                List.of(),
                type);
    }

    private static JsonNode invoke(ExecutionEnvironment env) throws Exception {
        InvokeResult r = env.invoke("req-" + System.nanoTime(), "{}".getBytes(StandardCharsets.UTF_8));
        assertEquals(InvokeResult.Outcome.RESULT, r.outcome(), r::payloadText);
        return Json.MAPPER.readTree(r.payload());
    }

    static void awaitRestorePoint(ExecutionEnvironment env) throws InterruptedException {
        long until = System.nanoTime() + 60_000_000_000L;
        while (env.runtimeApi().restoreRequestedNanos().isEmpty() && env.alive() && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertTrue(
                env.runtimeApi().restoreRequestedNanos().isPresent(),
                "the runtime client never asked for restore/next");
    }

    @Test
    void inSnapStartModeOnlyTheContainerEndpointServesCredentialsAndTheOldChainFails() throws Exception {
        try (ExecutionEnvironment env = launcher(Duration.ofHours(1)).start(probe(InitType.SNAP_START))) {
            assertFalse(
                    ProcessEnvironment.of(env.pid()).containsKey("AWS_ACCESS_KEY_ID"),
                    "SnapStart sets no access-key variable");
            ContainerCredentials endpoint = env.containerCredentials().orElseThrow();
            awaitRestorePoint(env);
            int beforeRestore = endpoint.served();
            assertEquals(1, beforeRestore, "the hook resolved credentials from the endpoint before the snapshot");

            JsonNode out = invoke(env);
            assertEquals("resolved", out.path("primed").asText(), out::toString);
            assertEquals(
                    "failed: SdkClientException",
                    out.path("old_chain").asText(),
                    "the old chain (environment, system properties) has nothing to resolve: " + out);
            assertEquals("resolved", out.path("lambda_chain").asText(), out::toString);
            assertFalse(out.path("access_key_variable").asBoolean());
            assertEquals(
                    beforeRestore,
                    endpoint.served(),
                    "credentials valid for an hour are reused after restore, not fetched again");
            assertEquals(0, endpoint.refused());
        }
    }

    @Test
    void credentialsResolvedBeforeTheSnapshotAreRefreshedAfterRestoreOnceTheyExpire() throws Exception {
        // 61 s: within the SDK's one-minute margin a second after they were issued.
        try (ExecutionEnvironment env = launcher(Duration.ofSeconds(61)).start(probe(InitType.SNAP_START))) {
            ContainerCredentials endpoint = env.containerCredentials().orElseThrow();
            awaitRestorePoint(env);
            assertEquals(1, endpoint.served());
            Thread.sleep(1_500); // the snapshot "waits" until they are stale
            JsonNode out = invoke(env);
            assertEquals("resolved", out.path("lambda_chain").asText(), out::toString);
            assertTrue(
                    endpoint.served() >= 2,
                    "expired credentials were fetched again after restore: " + endpoint.served());
        }
    }

    @Test
    void onDemandTheVariablesServeBothChainsAndThereIsNoEndpointOrHook() throws Exception {
        try (ExecutionEnvironment env = launcher(Duration.ofHours(1)).start(probe(InitType.ON_DEMAND))) {
            assertTrue(env.containerCredentials().isEmpty());
            assertEquals("AKIDLOCALTEST", ProcessEnvironment.of(env.pid()).get("AWS_ACCESS_KEY_ID"));
            JsonNode out = invoke(env);
            assertEquals("resolved", out.path("old_chain").asText(), out::toString);
            assertEquals("resolved", out.path("lambda_chain").asText(), out::toString);
            assertEquals("not run", out.path("primed").asText(), "no CRaC hook runs on demand");
            assertTrue(env.runtimeApi().restoreRequestedNanos().isEmpty());
        }
    }

    @Test
    void theEndpointRefusesARequestWithoutTheToken() throws Exception {
        try (ExecutionEnvironment env = launcher(Duration.ofHours(1)).start(probe(InitType.SNAP_START))) {
            ContainerCredentials endpoint = env.containerCredentials().orElseThrow();
            String uri = endpoint.environment().get("AWS_CONTAINER_CREDENTIALS_FULL_URI");
            var client = java.net.http.HttpClient.newHttpClient();
            var none = client.send(
                    java.net.http.HttpRequest.newBuilder(URI.create(uri)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            var wrong = client.send(
                    java.net.http.HttpRequest.newBuilder(URI.create(uri))
                            .header("Authorization", "wrong")
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(403, none.statusCode());
            assertEquals(403, wrong.statusCode());
            assertFalse(wrong.body().contains("AKID"), wrong.body());
            assertTrue(endpoint.refused() >= 2);
        }
    }
}
