package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.testkit.AwsProxy;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * On-demand init fetches the API-key pepper ahead of the first request, beside the runtime
 * client's start (no snapshot follows, so it may): the status function, run by AWS's runtime client
 * against a proxy in front of the emulator, has fetched it before any invocation, and its first
 * request does not fetch it again.
 */
class FetchAheadIT {
    static final String SECRET = "secretsmanager.GetSecretValue";

    @Test
    void onDemandInitFetchesThePepperBeforeTheFirstInvocation() throws Exception {
        TestAws aws = TestAws.shared();
        try (AwsProxy proxy = new AwsProxy(aws.aws().endpoint());
                LocalRuntime runtime = new LocalRuntime(
                        ProjectPaths.root(),
                        CfnTemplate.load(ProjectPaths.template()),
                        aws.resources(),
                        Map.of("PublicBaseUrl", TestAws.PUBLIC_BASE_URL),
                        proxy.endpoint(),
                        aws.aws().credentials(),
                        Optional.of(InitType.ON_DEMAND))) {
            LocalFunction fn = runtime.function("VoiceStatusFunction");
            try (ExecutionEnvironment env = runtime.launcher().start(fn)) {
                long until = System.nanoTime() + 20_000_000_000L;
                while (proxy.counts().getOrDefault(SECRET, 0) == 0 && env.alive() && System.nanoTime() < until) {
                    Thread.sleep(20);
                }
                assertEquals(1, proxy.counts().getOrDefault(SECRET, 0), "fetched during init: " + proxy.counts());
                assertTrue(env.runtimeApi().firstResponseNanos().isEmpty(), "before any invocation");
                Path sample = SampleEvents.of(ProjectPaths.root(), fn).getFirst();
                InvokeResult result = env.invoke("req-1", Files.readAllBytes(sample));
                assertEquals(InvokeResult.Outcome.RESULT, result.outcome(), result::payloadText);
                assertEquals(1, proxy.counts().get(SECRET), "the first request used the pepper fetched ahead");
            }
        }
    }
}
