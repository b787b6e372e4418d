package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hydracore.voice.tooling.ProjectPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * IAM proven against the functions' real requests (infra/iam_check.py): every AWS request the
 * function modules' tests saw each function make (voice-testkit AwsRequestRecorder) evaluated
 * against that function's role in the SAM-translated template and the KMS key policy. Runs after
 * the function modules (this module comes later in the reactor); the evaluator's own cases first.
 */
class IamPolicyIT {
    private static final Path ROOT = ProjectPaths.root();

    @Test
    void theEvaluatorDecidesItsOwnCasesBothWays() throws Exception {
        Result r = run("--self-test");
        assertEquals(0, r.exit(), r.output());
    }

    @Test
    void everyRecordedRequestIsAllowedAndNothingElseIsGranted() throws Exception {
        Result r = run();
        System.out.println(r.output());
        assertEquals(0, r.exit(), r.output());
    }

    private static Result run(String... args) throws Exception {
        Path out = Files.createTempFile("hydra-iam", ".log");
        try {
            List<String> command =
                    new java.util.ArrayList<>(List.of(ProjectPaths.python().toString(), "infra/iam_check.py"));
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command)
                    .directory(ROOT.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            p.getOutputStream().close();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
            return new Result(p.isAlive() ? -1 : p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private record Result(int exit, String output) {}
}
