package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code ./hydra invoke --parameter-overrides}: checked against the template before anything starts, then applied. */
class HydraInvokeOverridesIT {

    private static Run hydra(String... args) throws Exception {
        Path root = ProjectPaths.root();
        Path err = Files.createTempFile("hydra-invoke", ".log");
        List<String> command =
                new ArrayList<>(List.of("bash", root.resolve("hydra").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile()).redirectError(err.toFile());
        pb.environment().put("HYDRA_SKIP_BUILD", "1");
        Process p = pb.start();
        try {
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "./hydra invoke finishes");
            return new Run(p.exitValue(), out, Files.readString(err));
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Files.deleteIfExists(err);
        }
    }

    @Test
    void anUnknownParameterIsAUsageErrorNamingIt() throws Exception {
        Run r = hydra("invoke", "VoiceSweeperFunction", "--parameter-overrides", "MaxCallSecs=5");
        assertEquals(2, r.exit(), r::stderr);
        assertTrue(
                r.stderr().contains("template.yaml has no parameter MaxCallSecs (parameters: [PublicBaseUrl,"),
                r::stderr);
        assertEquals("", r.stdout());
    }

    @Test
    void aValidOverrideInEitherFormIsAcceptedAndTheFunctionRuns() throws Exception {
        Run r = hydra(
                "invoke",
                "VoiceSweeperFunction",
                "--parameter-overrides",
                "ParameterKey=MaxCallSeconds,ParameterValue=5");
        assertEquals(0, r.exit(), r::stderr);
        assertEquals(
                Json.MAPPER.readTree("{\"ended\":0,\"orphans_removed\":0,\"contended\":0,\"admissions_released\":0}"),
                Json.MAPPER.readTree(r.stdout()));
        assertTrue(r.stderr().contains("MaxCallSeconds=5 is outside the template's MinValue/MaxValue"), r::stderr);
    }

    private record Run(int exit, String stdout, String stderr) {}
}
