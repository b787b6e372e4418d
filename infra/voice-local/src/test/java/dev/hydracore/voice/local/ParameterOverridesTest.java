package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** --parameter-overrides in every form sam local accepts, checked against template.yaml's Parameters. */
class ParameterOverridesTest {
    private static final CfnTemplate TEMPLATE = CfnTemplate.load(ProjectPaths.template());

    private static Map<String, String> parse(String... args) {
        return ParameterOverrides.parse(List.of(args), TEMPLATE, w -> {});
    }

    @Test
    void takesNameValuePairsSeveralPerArgumentAndCloudFormationsForm() {
        assertEquals(Map.of("MaxCallSeconds", "90"), parse("MaxCallSeconds=90"));
        assertEquals(
                Map.of("MaxCallSeconds", "90", "ApiKeyCacheSeconds", "0"),
                parse("MaxCallSeconds=90", "ApiKeyCacheSeconds=0"));
        assertEquals(
                Map.of("MaxCallSeconds", "90", "ApiKeyCacheSeconds", "0"),
                parse("MaxCallSeconds=90 ApiKeyCacheSeconds=0"));
        assertEquals(
                Map.of("MaxCallSeconds", "90", "ApiKeyCacheSeconds", "0"),
                parse(
                        "ParameterKey=MaxCallSeconds,ParameterValue=90 ParameterKey=ApiKeyCacheSeconds,ParameterValue=0"));
        assertEquals(
                Map.of("PipecatStreamUrl", "wss://bot.example.com/a=b"),
                parse("PipecatStreamUrl=wss://bot.example.com/a=b"));
        assertEquals(Map.of("PipecatStreamUrl", ""), parse("PipecatStreamUrl="));
        assertEquals(Map.of("PipecatStreamUrl", "a b"), parse("PipecatStreamUrl=\"a b\" "));
        assertEquals(Map.of("PipecatStreamUrl", "a b"), parse("ParameterKey=PipecatStreamUrl,ParameterValue='a b'"));
        // The last value of a name wins, as in sam.
        assertEquals(Map.of("MaxCallSeconds", "120"), parse("MaxCallSeconds=90", "MaxCallSeconds=120"));
    }

    @Test
    void belowMinValueIsUsedButWarned() {
        List<String> warnings = new ArrayList<>();
        assertEquals(
                Map.of("MaxCallSeconds", "5"),
                ParameterOverrides.parse(List.of("MaxCallSeconds=5"), TEMPLATE, warnings::add));
        assertEquals(1, warnings.size(), warnings::toString);
        assertTrue(
                warnings.getFirst().contains("MaxCallSeconds=5 is outside the template's MinValue/MaxValue (60..-)"),
                warnings::toString);
        warnings.clear();
        ParameterOverrides.parse(List.of("MaxCallSeconds=60"), TEMPLATE, warnings::add);
        assertEquals(List.of(), warnings);
    }

    @Test
    void refusesUnknownNamesNonNumbersPatternsAndMalformedPairs() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> parse("MaxCallSecond=5"));
        assertTrue(
                unknown.getMessage()
                        .startsWith("template.yaml has no parameter MaxCallSecond (parameters: [PublicBaseUrl,"),
                unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> parse("MaxCallSeconds=five"));
        assertThrows(IllegalArgumentException.class, () -> parse("PublicBaseUrl=ftp://x/y"));
        assertThrows(IllegalArgumentException.class, () -> parse("MaxCallSeconds"));
        assertThrows(IllegalArgumentException.class, () -> parse("=5"));
        assertThrows(IllegalArgumentException.class, () -> parse("PipecatStreamUrl=\"unclosed"));
        assertEquals(
                Map.of("PublicBaseUrl", "https://voice.example.com"), parse("PublicBaseUrl=https://voice.example.com"));
    }
}
