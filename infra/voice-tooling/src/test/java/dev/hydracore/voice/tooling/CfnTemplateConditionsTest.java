package dev.hydracore.voice.tooling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fn::If, Conditions and AWS::NoValue, as template.yaml declares AWS_ENDPOINT_URL for sam local. */
class CfnTemplateConditionsTest {

    private static CfnTemplate template(Path dir) throws Exception {
        Path file = dir.resolve("t.yaml");
        Files.writeString(file, """
                Parameters:
                  Endpoint: {Type: String, Default: ""}
                  Stage: {Type: String, Default: dev}
                Conditions:
                  HasEndpoint: !Not [!Equals [!Ref Endpoint, ""]]
                  IsProd: !Equals [!Ref Stage, prod]
                  ProdWithEndpoint: !And [!Condition HasEndpoint, !Condition IsProd]
                  EitherOne: !Or [!Condition HasEndpoint, !Condition IsProd]
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Environment:
                        Variables:
                          AWS_ENDPOINT_URL: !If [HasEndpoint, !Ref Endpoint, !Ref AWS::NoValue]
                          MODE: !If [IsProd, !Sub "live-${Stage}", sandbox]
                """);
        return CfnTemplate.load(file);
    }

    @Test
    void noValueBranchLeavesTheVariableOut(@TempDir Path dir) throws Exception {
        CfnTemplate t = template(dir);
        LocalResources res = new LocalResources("s", "us-east-1", t.parameterDefaults());
        Map<String, String> env = res.functionEnvironment(t, "Fn", Map.of());
        assertFalse(env.containsKey("AWS_ENDPOINT_URL"), env.toString());
        assertEquals("sandbox", env.get("MODE"));
    }

    @Test
    void conditionsFollowParameters(@TempDir Path dir) throws Exception {
        CfnTemplate t = template(dir);
        LocalResources res = new LocalResources("s", "us-east-1", t.parameterDefaults());
        Map<String, String> env =
                res.functionEnvironment(t, "Fn", Map.of("Endpoint", "http://x:4566", "Stage", "prod"));
        assertEquals("http://x:4566", env.get("AWS_ENDPOINT_URL"));
        assertEquals("live-prod", env.get("MODE"));
        Map<String, String> prod = Map.of("Endpoint", "", "Stage", "prod");
        assertFalse(t.condition("ProdWithEndpoint", prod::get));
        assertEquals(true, t.condition("EitherOne", prod::get));
        assertNull(t.evaluateIn(
                t.resource("Fn")
                        .path("Properties")
                        .path("Environment")
                        .path("Variables")
                        .get("AWS_ENDPOINT_URL"),
                prod::get));
    }

    @Test
    void theStaticEvaluatorRefusesFnIfItCannotDecide(@TempDir Path dir) throws Exception {
        CfnTemplate t = template(dir);
        Map<String, String> refs = t.parameterDefaults();
        assertThrows(
                IllegalArgumentException.class,
                () -> CfnTemplate.evaluate(
                        t.resource("Fn")
                                .path("Properties")
                                .path("Environment")
                                .path("Variables")
                                .get("MODE"),
                        refs::get));
    }
}
