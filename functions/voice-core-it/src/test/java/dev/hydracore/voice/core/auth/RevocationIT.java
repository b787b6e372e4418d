package dev.hydracore.voice.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.store.ApiKeyStore;
import dev.hydracore.voice.testkit.AwsProxy;
import dev.hydracore.voice.testkit.DynamoInterceptor;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * Revocation tells the truth: only a failed condition (someone revoked the key first) is "already
 * revoked"; a transaction DynamoDB cancelled for throttling or a conflict left the key valid, and the
 * store and the operator CLI say so.
 */
class RevocationIT {
    static final TestAws aws = TestAws.shared();

    static ApiKeyStore storeCancelling(String... reasonCodes) {
        return new ApiKeyStore(
                DynamoInterceptor.wrap(aws.dynamo(), (op, request, proceed) -> {
                    if (op.equals("transactWriteItems")) {
                        List<CancellationReason> reasons = new ArrayList<>();
                        for (String code : reasonCodes) {
                            reasons.add(CancellationReason.builder().code(code).build());
                        }
                        throw TransactionCanceledException.builder()
                                .message("cancelled")
                                .cancellationReasons(reasons)
                                .build();
                    }
                    return proceed.call();
                }),
                aws.resources().tableName());
    }

    static boolean revoked(TestAws.TestCaller caller) {
        return aws.admin().listKeys(caller.tenantId()).getFirst().revoked();
    }

    @Test
    void throttledOrConflictingRevocationIsAnErrorAndTheKeyStaysValid() {
        for (String[] reasons :
                List.of(new String[] {"ThrottlingError", "None"}, new String[] {"None", "TransactionConflict"})) {
            TestAws.TestCaller caller = aws.newCaller();
            ApiKeyStore.RevocationFailedException e = assertThrows(
                    ApiKeyStore.RevocationFailedException.class,
                    () -> storeCancelling(reasons).revoke(caller.keyId(), System.currentTimeMillis()));
            assertTrue(e.getMessage().contains("not revoked"), e.getMessage());
            assertFalse(revoked(caller), "the key is still valid, as the error says");
        }
    }

    @Test
    void aFailedConditionIsAlreadyRevoked() {
        TestAws.TestCaller caller = aws.newCaller();
        // Another operator revokes it between our read of the pointer and our transaction.
        ApiKeyStore racing = new ApiKeyStore(
                DynamoInterceptor.wrap(aws.dynamo(), (op, request, proceed) -> {
                    if (op.equals("transactWriteItems")) {
                        assertEquals(ApiKeyStore.Revocation.REVOKED, aws.admin().revokeKey(caller.keyId()));
                    }
                    return proceed.call();
                }),
                aws.resources().tableName());
        assertEquals(ApiKeyStore.Revocation.ALREADY_REVOKED, racing.revoke(caller.keyId(), System.currentTimeMillis()));
        assertTrue(revoked(caller));
    }

    @Test
    void cliExitsOneAndSaysTheKeyWasNotRevoked() throws Exception {
        TestAws.TestCaller caller = aws.newCaller();
        try (AwsProxy proxy = new AwsProxy(aws.aws().endpoint())
                .failWith(
                        "DynamoDB_20120810.TransactWriteItems",
                        "{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\",\"message\":\"Transaction cancelled\","
                                + "\"CancellationReasons\":[{\"Code\":\"ThrottlingError\",\"Message\":\"Throughput exceeds the current capacity\"},"
                                + "{\"Code\":\"None\"}]}")) {
            List<String> cmd = List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1",
                    "-cp",
                    System.getProperty("java.class.path"),
                    "dev.hydracore.voice.tooling.ToolingMain",
                    "admin",
                    "key",
                    "revoke",
                    caller.keyId(),
                    "--json");
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("AWS_ENDPOINT_URL", proxy.endpoint().toString());
            pb.environment().put("AWS_REGION", aws.aws().region());
            pb.environment().put("HYDRA_STACK_NAME", "hydracore-voice-test");
            pb.environment().put("HYDRA_ROOT", ProjectPaths.root().toString());
            pb.environment().remove("TABLE_NAME");
            pb.environment().remove("PEPPER_SECRET_ID");
            Process p = pb.start();
            try {
                String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                p.getErrorStream().readAllBytes();
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                assertEquals(1, p.exitValue(), stdout);
                JsonNode json = Json.MAPPER.readTree(stdout);
                String error = json.path("error").asText();
                assertTrue(error.contains("not revoked") && error.contains("ThrottlingError"), error);
                assertEquals(1, proxy.counts().get("DynamoDB_20120810.TransactWriteItems"));
            } finally {
                p.destroyForcibly();
            }
        }
        assertFalse(revoked(caller));
    }
}
