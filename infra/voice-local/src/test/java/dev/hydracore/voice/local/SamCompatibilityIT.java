package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.tooling.Bootstrap;
import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The template as SAM sees it: sam build makes one artifact per function from the packaged zips,
 * {@code lib/<the function's jar>} (no Docker, no second Maven build), and events/env-vars.json
 * points every function at an emulator under sam local — checked with aws-sam-cli's own
 * environment resolution.
 */
class SamCompatibilityIT {
    private static final Path ROOT = ProjectPaths.root();
    private static final CfnTemplate TEMPLATE = CfnTemplate.load(ProjectPaths.template());

    @Test
    void envVarsFileIsWhatTheTemplateNeeds() throws IOException {
        JsonNode committed =
                Json.MAPPER.readTree(ROOT.resolve("events/env-vars.json").toFile());
        assertEquals(
                SamEnvVars.generate(TEMPLATE),
                committed,
                "events/env-vars.json is stale: ./hydra sam-env-vars > events/env-vars.json");
    }

    @Test
    void samLocalGivesEveryFunctionTheEmulatorAndTheBootstrappedNames() throws Exception {
        Result r =
                run(List.of(ProjectPaths.python().toString(), "infra/sam_local_env.py", "events/env-vars.json"), 120);
        assertEquals(0, r.exit(), r.output());
        JsonNode resolved = Json.MAPPER.readTree(r.output().substring(r.output().indexOf('{')));
        List<LocalFunction> functions = LocalFunction.fromTemplate(TEMPLATE);
        String table =
                Bootstrap.expectedNames(TEMPLATE, Bootstrap.DEFAULT_STACK).get("VoiceTable");
        for (LocalFunction f : functions) {
            JsonNode env = resolved.get(f.logicalId());
            assertTrue(env != null && env.isObject(), "sam local knows " + f.logicalId());
            assertEquals(
                    SamEnvVars.EMULATOR_FROM_DOCKER,
                    env.path("AWS_ENDPOINT_URL").asText(),
                    f.logicalId());
            assertEquals(table, env.path("TABLE_NAME").asText(), f.logicalId());
            TEMPLATE.resource(f.logicalId())
                    .path("Properties")
                    .path("Environment")
                    .path("Variables")
                    .properties()
                    .forEach(v -> {
                        // A variable taken from a parameter whose default is empty is optional by design
                        // (e.g. PIPECAT_STREAM_URL: empty answers calls with "unavailable" TwiML).
                        boolean optional = v.getValue().has("Ref")
                                && ""
                                        .equals(TEMPLATE.parameterDefaults()
                                                .get(v.getValue().get("Ref").asText()));
                        assertTrue(
                                optional || !env.path(v.getKey()).asText("").isBlank(),
                                f.logicalId() + " gets a value for " + v.getKey() + " under sam local");
                        assertTrue(env.has(v.getKey()), f.logicalId() + " declares " + v.getKey() + " under sam local");
                    });
        }
    }

    @Test
    void samBuildMakesAnArtifactPerFunctionHoldingItsHandler() throws Exception {
        List<LocalFunction> functions = LocalFunction.fromTemplate(TEMPLATE);
        for (LocalFunction f : functions) {
            // Without it sam build falls back to its Maven builder, which runs `mvn install`.
            assertEquals(
                    "makefile",
                    TEMPLATE.resource(f.logicalId())
                            .path("Metadata")
                            .path("BuildMethod")
                            .asText(),
                    f.logicalId() + " needs Metadata: {BuildMethod: makefile}");
            assertTrue(
                    Files.isRegularFile(ROOT.resolve(f.codeUri()).resolve("Makefile")),
                    f.logicalId() + " needs " + f.codeUri() + "/Makefile (a copy of functions/voice-status/Makefile)");
        }
        Result r = run(List.of(ROOT.resolve(".venv/bin/sam").toString(), "build", "-t", "template.yaml"), 300);
        assertEquals(0, r.exit(), r.output());
        Path build = ROOT.resolve(".aws-sam/build");
        for (LocalFunction f : functions) {
            // The artifact is the function's package unpacked: lib/<its jar>, which Lambda's java
            // runtime puts on the classpath (/var/task/lib/*.jar); nothing at the root.
            String handlerClass = f.handler().split("::")[0].replace('.', '/') + ".class";
            Path artifact = build.resolve(f.logicalId());
            List<Path> jars;
            try (Stream<Path> s = Files.list(artifact.resolve("lib"))) {
                jars = s.filter(p -> p.getFileName().toString().endsWith(".jar"))
                        .toList();
            }
            assertEquals(
                    1,
                    jars.size(),
                    ".aws-sam/build/" + f.logicalId() + "/lib holds one jar: " + jars + "\n" + r.output());
            try (ZipFile jar = new ZipFile(jars.get(0).toFile())) {
                assertTrue(
                        jar.getEntry(handlerClass) != null,
                        ".aws-sam/build/" + f.logicalId() + "/lib/"
                                + jars.get(0).getFileName() + " holds " + handlerClass);
            }
            assertFalse(
                    Files.exists(artifact.resolve(handlerClass)),
                    f.logicalId() + ": classes are not unpacked at the root");
        }
    }

    private static Result run(List<String> command, int timeoutSeconds) throws Exception {
        Path out = Files.createTempFile("hydra-sam", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(command)
                    .directory(ROOT.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            pb.environment().put("SAM_CLI_TELEMETRY", "0");
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return new Result(-1, "timed out: " + command + "\n" + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private record Result(int exit, String output) {}
}
