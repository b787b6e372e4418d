package dev.hydracore.voice.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.tooling.Bootstrap;
import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.LocalResources;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.IndexStatus;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/** Bootstrap creates exactly the template's resources at the emulator, idempotently, and only there. */
class BootstrapIT {
    @Test
    void createsTheTemplatesResourcesAndIsIdempotent() {
        TestAws aws = TestAws.shared();
        LocalResources again = new Bootstrap(
                        CfnTemplate.load(ProjectPaths.template()),
                        aws.clients(),
                        "hydracore-voice-test",
                        aws.aws().region())
                .run();
        assertEquals(aws.resources().refs(), again.refs(), "a second run finds the same resources");

        TableDescription t =
                aws.dynamo().describeTable(r -> r.tableName(again.tableName())).table();
        assertEquals(
                List.of("pk", "sk"),
                t.keySchema().stream().map(k -> k.attributeName()).toList());
        assertEquals(
                List.of("by_sweep", "by_tenant"),
                t.globalSecondaryIndexes().stream()
                        .map(g -> g.indexName())
                        .sorted()
                        .toList());
        assertTrue(t.globalSecondaryIndexes().stream()
                .allMatch(g -> g.indexStatus() == null || g.indexStatus() == IndexStatus.ACTIVE));
        assertEquals("by_active_since", t.localSecondaryIndexes().getFirst().indexName());
        assertEquals(
                "expires_at",
                aws.dynamo()
                        .describeTimeToLive(r -> r.tableName(again.tableName()))
                        .timeToLiveDescription()
                        .attributeName());
        String pepper = aws.clients()
                .secrets()
                .getSecretValue(r -> r.secretId(again.pepperSecretId()))
                .secretString();
        assertEquals(64, pepper.length());
        assertTrue(pepper.chars().allMatch(Character::isLetterOrDigit), "ExcludePunctuation is honoured");
        assertTrue(aws.clients()
                .kms()
                .describeKey(r -> r.keyId("alias/hydracore-voice-test-credentials"))
                .keyMetadata()
                .enabled());
    }

    @Test
    void refusesWithoutAnEmulatorEndpoint() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.hydracore.voice.tooling.ToolingMain",
                "bootstrap");
        pb.environment().remove("AWS_ENDPOINT_URL");
        pb.environment().put("HYDRA_ROOT", ProjectPaths.root().toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue());
        assertTrue(out.contains("refusing to bootstrap: AWS_ENDPOINT_URL is not set"), out);
    }
}
