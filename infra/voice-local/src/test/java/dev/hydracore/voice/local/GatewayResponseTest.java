package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayResponseTest {
    private static GatewayResponse map(String lambdaOutput) {
        return GatewayResponse.of(
                new InvokeResult(InvokeResult.Outcome.RESULT, lambdaOutput.getBytes(StandardCharsets.UTF_8)));
    }

    private static String body(GatewayResponse r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void proxyResponseKeepsStatusHeadersCookiesAndDecodesBase64() {
        GatewayResponse r = map(
                "{\"statusCode\":201,\"headers\":{\"x-a\":\"1\",\"x-n\":5},\"multiValueHeaders\":{\"x-m\":[\"p\",\"q\"]},"
                        + "\"cookies\":[\"a=1\",\"b=2; Secure\"],\"body\":\"aGVsbG8=\",\"isBase64Encoded\":true}");
        assertEquals(201, r.status());
        assertEquals(
                List.of(
                        Map.entry("x-a", "1"),
                        Map.entry("x-n", "5"),
                        Map.entry("x-m", "p"),
                        Map.entry("x-m", "q"),
                        Map.entry("set-cookie", "a=1"),
                        Map.entry("set-cookie", "b=2; Secure")),
                r.headers());
        assertEquals("hello", body(r));
    }

    @Test
    void jsonWithoutStatusCodeIsAn200JsonBodyAsFormat2Infers() {
        GatewayResponse r = map("{\"hello\":\"world\"}");
        assertEquals(200, r.status());
        assertEquals(List.of(Map.entry("content-type", "application/json")), r.headers());
        assertEquals("{\"hello\":\"world\"}", body(r));
    }

    @Test
    void malformedOutputAndFunctionFailuresAre502AndAFunctionThatCouldNotRunIs500() {
        for (String bad : List.of(
                "not json",
                "{\"statusCode\":\"200\"}",
                "{\"statusCode\":99}",
                "{\"statusCode\":200,\"body\":{}}",
                "{\"statusCode\":200,\"headers\":[]}",
                "{\"statusCode\":200,\"cookies\":\"a=1\"}",
                "{\"statusCode\":200,\"body\":\"***\",\"isBase64Encoded\":true}",
                "")) {
            GatewayResponse r = map(bad);
            assertEquals(502, r.status(), bad);
            assertEquals(GatewayResponse.INTERNAL_ERROR, body(r), bad);
        }
        for (InvokeResult.Outcome o : List.of(
                InvokeResult.Outcome.FUNCTION_ERROR, InvokeResult.Outcome.TIMEOUT, InvokeResult.Outcome.INIT_ERROR)) {
            assertEquals(
                    502,
                    GatewayResponse.of(new InvokeResult(o, "{}".getBytes(StandardCharsets.UTF_8)))
                            .status(),
                    o.name());
        }
        assertEquals(
                500,
                GatewayResponse.of(InvokeResult.environmentFailed("no jar")).status());
    }
}
