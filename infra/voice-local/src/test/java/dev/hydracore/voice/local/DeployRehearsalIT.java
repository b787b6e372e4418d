package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.tooling.ProjectPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The deploy rehearsal (infra/deploy_rehearsal.py): the SAM-translated template created, updated and
 * deleted by MiniStack's CloudFormation from the packaged zips, every resource checked against what
 * the template declares, and ./hydra admin run from the stack's outputs. It starts its own MiniStack
 * (with CloudFormation, S3, IAM, Lambda and the rest), whichever emulator the leg uses.
 */
class DeployRehearsalIT {
    private static final Path ROOT = ProjectPaths.root();

    @Test
    void theTemplateDeploysUpdatesAndDeletesAsDeclared() throws Exception {
        Path out = Files.createTempFile("hydra-rehearsal", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(
                            List.of(ProjectPaths.python().toString(), "infra/deploy_rehearsal.py"))
                    .directory(ROOT.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            // Inside mvn verify the packages are built; ./hydra admin must not start a second Maven.
            pb.environment().put("HYDRA_SKIP_BUILD", "1");
            pb.environment().remove("AWS_ENDPOINT_URL");
            Process p = pb.start();
            p.getOutputStream().close();
            boolean finished = p.waitFor(600, TimeUnit.SECONDS);
            if (!finished) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
            String log = Files.readString(out, StandardCharsets.UTF_8);
            System.out.println(log);
            assertTrue(finished, "the rehearsal finished within 10 minutes:\n" + log);
            assertEquals(0, p.exitValue(), log);
            assertTrue(log.contains(" 0 failed"), log);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
