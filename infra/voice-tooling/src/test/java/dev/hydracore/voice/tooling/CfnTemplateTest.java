package dev.hydracore.voice.tooling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CfnTemplateTest {
    @Test
    void shortFormTagsBecomeLongFormIntrinsics() throws Exception {
        Path f = Files.createTempFile("t", ".yaml");
        try {
            Files.writeString(f, """
                    Resources:
                      A:
                        Type: X::Y
                        Properties:
                          R: !Ref Thing
                          G: !GetAtt Table.Arn
                          S: !Sub "${AWS::StackName}/x-${Thing}"
                          I: !If [Cond, a, b]
                          N: 5
                          B: true
                    """);
            CfnTemplate t = CfnTemplate.load(f);
            JsonNode p = t.resource("A").path("Properties");
            assertEquals(Json.MAPPER.readTree("{\"Ref\":\"Thing\"}"), p.get("R"));
            assertEquals(Json.MAPPER.readTree("{\"Fn::GetAtt\":[\"Table\",\"Arn\"]}"), p.get("G"));
            assertEquals(Json.MAPPER.readTree("{\"Fn::If\":[\"Cond\",\"a\",\"b\"]}"), p.get("I"));
            assertTrue(p.get("N").isNumber());
            assertTrue(p.get("B").isBoolean());
            Map<String, String> refs = Map.of("Thing", "t1", "AWS::StackName", "stk", "Table.Arn", "arn:t");
            assertEquals("t1", CfnTemplate.evaluate(p.get("R"), refs::get));
            assertEquals("arn:t", CfnTemplate.evaluate(p.get("G"), refs::get));
            assertEquals("stk/x-t1", CfnTemplate.evaluate(p.get("S"), refs::get));
            assertThrows(IllegalArgumentException.class, () -> CfnTemplate.evaluate(p.get("R"), n -> null));
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void theProjectTemplateDeclaresWhatBootstrapNeeds() {
        CfnTemplate t = CfnTemplate.load(ProjectPaths.template());
        assertEquals(1, t.resources("AWS::DynamoDB::Table").size());
        assertEquals(1, t.resources("AWS::KMS::Key").size());
        assertEquals(1, t.resources("AWS::SecretsManager::Secret").size());
        assertFalse(t.resources("AWS::Serverless::Function").isEmpty());
        t.resources("AWS::Serverless::Function").forEach((id, fn) -> {
            assertTrue(fn.path("Properties").path("Handler").asText().contains("::handleRequest"), id);
            assertTrue(fn.path("Properties").path("CodeUri").asText().startsWith("functions/"), id);
        });
        Map<String, String> names = Bootstrap.expectedNames(t, "stk");
        assertEquals("stk-VoiceTable", names.get("VoiceTable"));
        assertEquals("stk/api-key-pepper", names.get("ApiKeyPepper"));
    }
}
