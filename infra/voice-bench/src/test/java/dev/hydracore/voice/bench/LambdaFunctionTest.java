package dev.hydracore.voice.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.tooling.CfnTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Functions are found in template.yaml, their files by convention: nothing is listed in the bench. */
class LambdaFunctionTest {

    @Test
    void everyServerlessFunctionIsFoundWithItsFiles(@TempDir Path root) throws Exception {
        Files.writeString(root.resolve("template.yaml"), """
                Resources:
                  Table:
                    Type: AWS::DynamoDB::Table
                  StatusFunction:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: functions/voice-status
                      Handler: a.b.StatusHandler::handleRequest
                      Events:
                        Get:
                          Type: HttpApi
                          Properties: {Method: GET, Path: "/v1/instances/{instance_id}/channels/voice"}
                  SweeperFunction:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: functions/voice-sweeper/
                      Handler: a.b.Sweeper
                      Events:
                        Every:
                          Type: Schedule
                          Properties: {Schedule: rate(5 minutes)}
                """);
        Path target = Files.createDirectories(root.resolve("functions/voice-status/target"));
        Files.writeString(target.resolve("voice-status-0.1.0-SNAPSHOT.jar"), "plain");
        Files.writeString(target.resolve("voice-status-0.1.0-SNAPSHOT-lambda.jar"), "shaded");
        Files.writeString(target.resolve("voice-status-0.1.0-SNAPSHOT-lambda.zip"), "lib/ + shaded");

        List<LambdaFunction> fns = LambdaFunction.discover(root, CfnTemplate.load(root.resolve("template.yaml")));
        assertEquals(
                List.of("StatusFunction", "SweeperFunction"),
                fns.stream().map(LambdaFunction::logicalId).toList());

        LambdaFunction status = fns.get(0);
        assertEquals("voice-status", status.module());
        assertEquals("a.b.StatusHandler", status.handlerClass());
        assertEquals(
                target.resolve("voice-status-0.1.0-SNAPSHOT-lambda.jar"),
                status.lambdaJar().orElseThrow());
        assertEquals(
                target.resolve("voice-status-0.1.0-SNAPSHOT-lambda.zip"),
                status.lambdaZip().orElseThrow());
        assertEquals(root.resolve("events/voice-status.json"), status.sampleEvent());
        assertTrue(status.serves("GET", Bench.STATUS_PATH));

        LambdaFunction sweeper = fns.get(1);
        assertEquals("voice-sweeper", sweeper.module());
        assertEquals("a.b.Sweeper", sweeper.handlerClass());
        assertTrue(sweeper.lambdaJar().isEmpty(), "not packaged yet");
        assertTrue(sweeper.lambdaZip().isEmpty(), "not packaged yet");
        assertFalse(sweeper.serves("GET", Bench.STATUS_PATH));
        assertEquals(root.resolve("events/voice-sweeper.json"), sweeper.sampleEvent());
    }
}
