package dev.hydracore.voice.tooling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The logging variables Lambda derives from LoggingConfig reach local function JVMs, and every
 * function of template.yaml logs JSON into a log group of its own, /aws/lambda/<its name>, kept
 * for LogRetentionDays.
 */
class LambdaLoggingTest {
    private static final CfnTemplate TEMPLATE = CfnTemplate.load(ProjectPaths.template());
    private static final String STACK = "hydracore-voice-test";

    private static Map<String, String> scope(Map<String, String> parameters) {
        Map<String, String> refs = new HashMap<>(TEMPLATE.parameterDefaults());
        refs.putAll(parameters);
        return refs;
    }

    @Test
    void everyFunctionLogsJsonAtTheLogLevelIntoItsOwnGroup() {
        LocalResources res = new LocalResources(STACK, "us-east-1", Map.of());
        Map<String, JsonNode> functions = TEMPLATE.resources("AWS::Serverless::Function");
        assertFalse(functions.isEmpty());
        Map<String, String> groups = new HashMap<>();
        functions.forEach((id, fn) -> {
            Map<String, String> byDefault = res.lambdaLogging(TEMPLATE, id, scope(Map.of()));
            assertEquals("JSON", byDefault.get("AWS_LAMBDA_LOG_FORMAT"), id);
            assertEquals("INFO", byDefault.get("AWS_LAMBDA_LOG_LEVEL"), id + ": LogLevel's default");
            assertEquals(
                    "DEBUG",
                    res.lambdaLogging(TEMPLATE, id, scope(Map.of("LogLevel", "DEBUG")))
                            .get("AWS_LAMBDA_LOG_LEVEL"),
                    id);

            String functionName = CfnTemplate.evaluate(
                    fn.path("Properties").get("FunctionName"), Map.of("AWS::StackName", STACK)::get);
            String group = byDefault.get("AWS_LAMBDA_LOG_GROUP_NAME");
            assertEquals("/aws/lambda/" + functionName, group, id + " logs into /aws/lambda/<its FunctionName>");
            String groupId = fn.path("Properties")
                    .path("LoggingConfig")
                    .path("LogGroup")
                    .path("Ref")
                    .asText();
            JsonNode logGroup = TEMPLATE.resource(groupId);
            assertEquals(
                    "AWS::Logs::LogGroup",
                    logGroup.path("Type").asText(),
                    id + "'s LoggingConfig.LogGroup is a Ref to its log group");
            assertEquals(
                    "LogRetentionDays",
                    logGroup.path("Properties")
                            .path("RetentionInDays")
                            .path("Ref")
                            .asText(),
                    groupId);
            assertTrue(groups.put(group, id) == null, id + " shares log group " + group + " with " + groups.get(group));
        });
    }

    @Test
    void withoutLoggingConfigLambdaSetsNothingAndTextHasNoLevel(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("t.yaml");
        Files.writeString(file, """
                Resources:
                  Plain:
                    Type: AWS::Serverless::Function
                    Properties: {}
                  Text:
                    Type: AWS::Serverless::Function
                    Properties:
                      LoggingConfig:
                        LogFormat: Text
                        LogGroup: !Sub "/custom/${AWS::StackName}"
                """);
        CfnTemplate t = CfnTemplate.load(file);
        LocalResources res = new LocalResources("s", "us-east-1", Map.of());
        assertEquals(Map.of(), res.lambdaLogging(t, "Plain", Map.of()));
        assertEquals(
                Map.of("AWS_LAMBDA_LOG_FORMAT", "Text", "AWS_LAMBDA_LOG_GROUP_NAME", "/custom/s"),
                res.lambdaLogging(t, "Text", Map.of()));
    }

    @Test
    void functionEnvironmentCarriesThem(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("t.yaml");
        Files.writeString(file, """
                Parameters:
                  LogLevel: {Type: String, Default: WARN}
                Globals:
                  Function:
                    LoggingConfig:
                      LogFormat: JSON
                      ApplicationLogLevel: !Ref LogLevel
                Resources:
                  Group:
                    Type: AWS::Logs::LogGroup
                    Properties:
                      LogGroupName: !Sub "/aws/lambda/${AWS::StackName}-fn"
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      LoggingConfig:
                        LogGroup: !Ref Group
                      Environment:
                        Variables:
                          MODE: x
                """);
        CfnTemplate t = CfnTemplate.load(file);
        LocalResources res = new LocalResources("s", "us-east-1", t.parameterDefaults());
        Map<String, String> env = res.functionEnvironment(t, "Fn", Map.of());
        assertEquals("x", env.get("MODE"));
        assertEquals("JSON", env.get("AWS_LAMBDA_LOG_FORMAT"));
        assertEquals("WARN", env.get("AWS_LAMBDA_LOG_LEVEL"), "the function's keys merge over Globals'");
        assertEquals("/aws/lambda/s-fn", env.get("AWS_LAMBDA_LOG_GROUP_NAME"));
    }
}
