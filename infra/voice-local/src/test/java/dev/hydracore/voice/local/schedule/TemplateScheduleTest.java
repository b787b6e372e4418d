package dev.hydracore.voice.local.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Schedule events read from a template, and the event each firing delivers. */
class TemplateScheduleTest {
    private static final Map<String, String> REFS =
            Map.of("SweepMinutes", "5", "SweepOn", "true", "AWS::Region", "us-east-1");

    @TempDir
    Path dir;

    private CfnTemplate template(String events) throws Exception {
        Path file = dir.resolve("template.yaml");
        Files.writeString(file, """
                AWSTemplateFormatVersion: "2010-09-09"
                Transform: AWS::Serverless-2016-10-31
                Parameters:
                  SweepMinutes:
                    Type: Number
                    Default: 5
                  SweepOn:
                    Type: String
                    Default: "true"
                Resources:
                  Api:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: a.B::handleRequest
                      CodeUri: functions/a
                      Events:
                        Get:
                          Type: HttpApi
                          Properties:
                            Path: /x
                            Method: GET
                  Job:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: a.C::handleRequest
                      CodeUri: functions/c
                      Events:
                """ + events.indent(8));
        return CfnTemplate.load(file);
    }

    @Test
    void theProjectsTemplateSweepsEveryMinute() {
        List<TemplateSchedule> all = TemplateSchedule.fromTemplate(
                CfnTemplate.load(ProjectPaths.template()), "hydracore-voice", Map.<String, String>of()::get);
        assertEquals(1, all.size(), all::toString);
        TemplateSchedule sweep = all.getFirst();
        assertEquals("VoiceSweeperFunction", sweep.functionId());
        assertEquals("rate(1 minute)", sweep.expression().toString());
        assertTrue(sweep.enabled());
        assertEquals(Optional.empty(), sweep.input());
    }

    @Test
    void readsEverySchedulesExpressionStateNameAndInputAndIgnoresOtherKeys() throws Exception {
        CfnTemplate t = template("""
                Every:
                  Type: Schedule
                  Properties:
                    Schedule: !Sub "rate(${SweepMinutes} minutes)"
                    Description: ignored
                    RetryPolicy:
                      MaximumRetryAttempts: 2
                    DeadLetterConfig:
                      Type: SQS
                Nightly:
                  Type: Schedule
                  Properties:
                    Schedule: cron(0 3 * * ? *)
                    Name: nightly-job
                    Input: '{"mode":"full"}'
                Off:
                  Type: Schedule
                  Properties:
                    Schedule: rate(1 hour)
                    Enabled: false
                OffByState:
                  Type: Schedule
                  Properties:
                    Schedule: rate(1 day)
                    State: DISABLED
                """);
        List<TemplateSchedule> all = TemplateSchedule.fromTemplate(t, "stack", REFS::get);
        assertEquals(
                List.of("Job.Every", "Job.Nightly", "Job.Off", "Job.OffByState"),
                all.stream().map(TemplateSchedule::label).toList());
        assertEquals("rate(5 minutes)", all.get(0).expression().toString());
        assertEquals("stack-JobEvery", all.get(0).ruleName());
        assertTrue(all.get(0).enabled());
        assertEquals("nightly-job", all.get(1).ruleName());
        assertEquals(Optional.of("{\"mode\":\"full\"}"), all.get(1).input());
        assertFalse(all.get(2).enabled());
        assertFalse(all.get(3).enabled());
    }

    @Test
    void aBadScheduleFailsAtStartNamingItsEvent() throws Exception {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> TemplateSchedule.fromTemplate(template("""
                Bad:
                  Type: Schedule
                  Properties:
                    Schedule: rate(1 minutes)
                """), "stack", REFS::get));
        assertTrue(e.getMessage().startsWith("Job event Bad: "), e.getMessage());
        assertThrows(
                IllegalArgumentException.class, () -> TemplateSchedule.fromTemplate(template("""
                NotJson:
                  Type: Schedule
                  Properties:
                    Schedule: rate(1 minute)
                    Input: not json
                """), "stack", REFS::get));
        assertThrows(
                IllegalArgumentException.class, () -> TemplateSchedule.fromTemplate(template("""
                NoExpression:
                  Type: Schedule
                  Properties:
                    Description: forgot it
                """), "stack", REFS::get));
    }

    @Test
    void theEventIsEventBridgesScheduledEvent() throws Exception {
        TemplateSchedule s = new TemplateSchedule(
                "Job", "Every", ScheduleExpression.parse("rate(1 minute)"), true, "stack-JobEvery", Optional.empty());
        UUID id = UUID.randomUUID();
        JsonNode e = Json.MAPPER.readTree(
                ScheduledEvent.of(s, id, Instant.parse("2026-12-01T09:41:17.250Z"), "eu-west-1", "123456789012"));
        assertEquals(Json.MAPPER.readTree("""
                {"version":"0","id":"%s","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012",
                 "time":"2026-12-01T09:41:17Z","region":"eu-west-1",
                 "resources":["arn:aws:events:eu-west-1:123456789012:rule/stack-JobEvery"],"detail":{}}
                """.formatted(id)), e);
        // The same field order as EventBridge and events/voice-sweeper.json.
        List<String> names = new java.util.ArrayList<>();
        e.fieldNames().forEachRemaining(names::add);
        List<String> sample = new java.util.ArrayList<>();
        Json.MAPPER
                .readTree(
                        ProjectPaths.root().resolve("events/voice-sweeper.json").toFile())
                .fieldNames()
                .forEachRemaining(sample::add);
        assertEquals(sample, names);
    }

    @Test
    void aConstantInputReplacesTheEvent() throws Exception {
        TemplateSchedule s = new TemplateSchedule(
                "Job",
                "Nightly",
                ScheduleExpression.parse("cron(0 3 * * ? *)"),
                true,
                "n",
                Optional.of("{\"mode\":\"full\"}"));
        assertEquals(
                "{\"mode\":\"full\"}",
                new String(
                        ScheduledEvent.of(s, UUID.randomUUID(), Instant.now(), "us-east-1", "1"),
                        java.nio.charset.StandardCharsets.UTF_8));
    }
}
