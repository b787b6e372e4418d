package dev.hydracore.voice.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.status.VoiceStatusHandler;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.tooling.ApiEvents;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The operator CLI as operators run it (a separate process, JSON output) against the emulator:
 * tenant → key → register → authenticated GET → revoke → 401 within the revocation bound.
 */
class AdminCliRoundTripIT {
    static final TestAws aws = TestAws.shared();

    static Result cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.hydracore.voice.tooling.ToolingMain",
                "admin"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("AWS_ENDPOINT_URL", aws.aws().endpoint().toString());
        pb.environment().put("AWS_REGION", aws.aws().region());
        pb.environment().put("HYDRA_STACK_NAME", "hydracore-voice-test");
        pb.environment().put("HYDRA_ROOT", ProjectPaths.root().toString());
        pb.environment().remove("TABLE_NAME");
        pb.environment().remove("PEPPER_SECRET_ID");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String stdout = new String(out, StandardCharsets.UTF_8);
        JsonNode json = stdout.isBlank() ? null : Json.MAPPER.readTree(stdout);
        return new Result(p.exitValue(), json, stdout, new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void tenantKeyInstanceGetRevoke() throws Exception {
        Result tenant = cli("tenant", "create", "Acme Voice", "--json");
        assertEquals(0, tenant.exit(), tenant.stderr());
        assertEquals(1, tenant.stdout().strip().lines().count(), "exactly one JSON object");
        String tenantId = tenant.json().path("tenant_id").asText();
        assertTrue(tenantId.startsWith("tn_"));

        Result key = cli("key", "create", "--tenant", tenantId, "--json");
        assertEquals(0, key.exit(), key.stderr());
        String apiKey = key.json().path("api_key").asText();
        String keyId = key.json().path("key_id").asText();
        assertTrue(apiKey.startsWith(keyId + "_"));

        String instance = UUID.randomUUID().toString();
        Result reg = cli("instance", "register", instance.toUpperCase(), "--tenant", tenantId, "--json");
        assertEquals(0, reg.exit(), reg.stderr());
        assertEquals(instance, reg.json().path("instance_id").asText());
        assertEquals(
                "already_registered",
                cli("instance", "register", instance, "--tenant", tenantId, "--json")
                        .json()
                        .path("status")
                        .asText());

        Result list = cli("key", "list", "--tenant", tenantId, "--json");
        assertEquals(0, list.exit());
        assertEquals(keyId, list.json().path("keys").get(0).path("key_id").asText());
        assertEquals("active", list.json().path("keys").get(0).path("status").asText());
        assertFalse(list.stdout().contains(apiKey.substring(keyId.length())), "listing shows no secret");

        VoiceStatusHandler handler =
                new VoiceStatusHandler(aws.services(aws.settings().with(Settings.API_KEY_CACHE_SECONDS, "1")));
        var event = ApiEvents.of(
                "GET",
                "/v1/instances/" + instance + "/channels/voice",
                "GET /v1/instances/{instance_id}/channels/voice",
                Map.of("instance_id", instance),
                Map.of("authorization", "Bearer " + apiKey),
                null);
        assertEquals(200, handler.respond(event).status());

        Result revoke = cli("key", "revoke", keyId, "--json");
        assertEquals(0, revoke.exit(), revoke.stderr());
        assertEquals("revoked", revoke.json().path("status").asText());
        assertEquals(
                "revoked",
                cli("key", "list", "--tenant", tenantId, "--json")
                        .json()
                        .path("keys")
                        .get(0)
                        .path("status")
                        .asText());

        Thread.sleep(1_100); // the stated bound in this handler's configuration: 1 s
        assertEquals(401, handler.respond(event).status());

        Result unreg = cli("instance", "unregister", instance, "--json");
        assertEquals(0, unreg.exit(), unreg.stderr());
        Result again = cli("instance", "unregister", instance, "--json");
        assertEquals(1, again.exit());
        assertTrue(again.json().path("error").asText().contains("not registered"));
    }

    @Test
    void errorsAreOneJsonObjectToo() throws Exception {
        Result r = cli("key", "create", "--tenant", "tn_doesnotexist", "--json");
        assertEquals(1, r.exit());
        assertEquals("no such tenant: tn_doesnotexist", r.json().path("error").asText());
        Result usage = cli("frobnicate", "now", "--json");
        assertEquals(2, usage.exit());
        assertTrue(usage.json().has("error"));
    }

    record Result(int exit, JsonNode json, String stdout, String stderr) {}
}
