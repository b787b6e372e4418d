package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every function of template.yaml, with each of its sample events, through the path
 * {@code ./hydra invoke} takes (its deployable package in a fresh JVM under the runtime interface client, the
 * template's environment, the emulator). Iterates over the template, so new functions are covered
 * as soon as they are declared — and fail here until they have a sample.
 */
class SampleEventInvokeIT {
    private static LocalRuntime runtime;

    @BeforeAll
    static void wire() {
        TestAws aws = TestAws.shared();
        runtime = new LocalRuntime(
                ProjectPaths.root(),
                CfnTemplate.load(ProjectPaths.template()),
                aws.resources(),
                Map.of("PublicBaseUrl", TestAws.PUBLIC_BASE_URL),
                aws.aws().endpoint(),
                aws.aws().credentials());
    }

    @AfterAll
    static void close() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFunctionAnswersEachOfItsSamples() {
        List<DynamicTest> tests = new ArrayList<>();
        Path root = ProjectPaths.root();
        assertFalse(runtime.functions().isEmpty(), "template.yaml declares functions");
        for (LocalFunction f : runtime.functions()) {
            List<Path> samples = SampleEvents.of(root, f);
            tests.add(DynamicTest.dynamicTest(
                    f.logicalId() + " has a sample event",
                    () -> assertTrue(
                            Files.isRegularFile(SampleEvents.defaultFor(root, f)),
                            f.logicalId() + " needs events/" + f.module()
                                    + ".json (its default ./hydra invoke event)")));
            for (Path sample : samples) {
                tests.add(DynamicTest.dynamicTest(f.logicalId() + " " + sample.getFileName(), () -> {
                    InvokeResult result = runtime.invokeOnce(f.logicalId(), sample);
                    assertEquals(InvokeResult.Outcome.RESULT, result.outcome(), result::payloadText);
                    JsonNode out = Json.MAPPER.readTree(result.payload());
                    if (!f.routes().isEmpty()) {
                        assertWellFormedHttpResponse(out);
                    }
                }));
            }
        }
        return tests.stream();
    }

    /**
     * A v2 proxy response: integer statusCode, string headers, string body. A sample is a
     * legitimate request, so it may be refused (placeholder key: 401) but never break the function.
     */
    static void assertWellFormedHttpResponse(JsonNode out) {
        assertTrue(out.path("statusCode").isIntegralNumber(), () -> "statusCode: " + out);
        int status = out.get("statusCode").asInt();
        assertTrue(status >= 200 && status < 500, () -> "a sample event must not make the function fail: " + out);
        out.path("headers").properties().forEach(h -> assertTrue(h.getValue().isTextual(), h::getKey));
        assertTrue(out.path("body").isMissingNode() || out.path("body").isTextual(), () -> "body: " + out);
        assertTrue(out.path("isBase64Encoded").isMissingNode()
                || out.path("isBase64Encoded").isBoolean());
        assertEquals(
                GatewayResponse.fromLambda(out.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                        .status(),
                status,
                "the local gateway maps it to the same status");
    }

    @Test
    void statusSampleIsRefusedForItsPlaceholderKey() throws Exception {
        InvokeResult result =
                runtime.invokeOnce("VoiceStatusFunction", ProjectPaths.root().resolve("events/voice-status.json"));
        JsonNode out = Json.MAPPER.readTree(result.payload());
        assertEquals(401, out.path("statusCode").asInt(), out::toString);
        assertEquals("{\"detail\":\"Invalid API key\"}", out.path("body").asText());
    }

    @Test
    void statusSampleWithARealKeyReadsTheEmulatorThroughTheTemplatesEnvironment(@TempDir Path dir) throws Exception {
        TestAws aws = TestAws.shared();
        TestAws.TestCaller caller = aws.newCaller();
        String instance = aws.registerInstance(caller);
        ObjectNode event = (ObjectNode) Json.MAPPER.readTree(
                ProjectPaths.root().resolve("events/voice-status.json").toFile());
        String path = "/v1/instances/" + instance + "/channels/voice";
        event.put("rawPath", path);
        ((ObjectNode) event.path("requestContext").path("http")).put("path", path);
        ((ObjectNode) event.path("pathParameters")).put("instance_id", instance);
        ((ObjectNode) event.path("headers")).put("authorization", "Bearer " + caller.apiKey());
        Path file = dir.resolve("status.json");
        Files.writeString(file, event.toString());

        InvokeResult result = runtime.invokeOnce("VoiceStatusFunction", file);
        assertEquals(InvokeResult.Outcome.RESULT, result.outcome(), result::payloadText);
        JsonNode out = Json.MAPPER.readTree(result.payload());
        assertEquals(200, out.path("statusCode").asInt(), out::toString);
        assertEquals(
                Json.MAPPER.readTree(
                        "{\"active_calls\":0,\"enabled\":false,\"phone_number\":null,\"provider\":null,"
                                + "\"status\":\"not_configured\",\"webhook_url\":null,\"max_concurrent_calls\":null,\"provider_wiring\":null}"),
                Json.MAPPER.readTree(out.path("body").asText()));
    }
}
