package dev.hydracore.voice.core.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The streamed event reader gives exactly what the tree reader gives, body bytes included. */
class ApiEventReaderTest {
    static ObjectNode event(String body, boolean base64) {
        ObjectNode e = Json.object();
        e.put("version", "2.0");
        e.put("rawPath", "/v1/webhooks/voice/abc");
        e.put("rawQueryString", "a=1&b=2");
        e.putObject("headers").put("Content-Type", "application/json").put("x-retell-signature", "v=1,d=2");
        e.putObject("requestContext")
                .put("requestId", "req-1")
                .put("ignored", 5)
                .putObject("http")
                .put("method", "post")
                .put("path", "/x");
        if (body != null) {
            e.put("body", body);
        }
        e.putObject("pathParameters").put("instance_id", "abc");
        e.put("isBase64Encoded", base64);
        return e;
    }

    static void assertSame(HttpRequest expected, HttpRequest actual) {
        assertEquals(expected.method(), actual.method());
        assertEquals(expected.rawPath(), actual.rawPath());
        assertEquals(expected.rawQueryString(), actual.rawQueryString());
        assertEquals(expected.headers(), actual.headers());
        assertEquals(expected.pathParameters(), actual.pathParameters());
        assertEquals(expected.requestId(), actual.requestId());
        assertArrayEquals(expected.body(), actual.body());
    }

    @Test
    void everyEscapeAndCharacterComesBackAsItsUtf8Bytes() throws Exception {
        Random random = new Random(12);
        String alphabet = "aZ09 \"\\/\b\f\n\r\t\u0000\u001f\u007fé☎€\uD83D\uDD11{}[]:,";
        for (int round = 0; round < 300; round++) {
            StringBuilder b = new StringBuilder();
            int len = random.nextInt(200);
            while (b.length() < len) {
                int pick = random.nextInt(alphabet.length());
                char c = alphabet.charAt(pick);
                if (Character.isHighSurrogate(c)) {
                    b.append(c).append(alphabet.charAt(pick + 1));
                } else if (!Character.isLowSurrogate(c)) {
                    b.append(c);
                }
            }
            String body = b.toString();
            ObjectNode e = event(body, false);
            HttpRequest read = ApiEventReader.read(Json.MAPPER.writeValueAsBytes(e));
            assertArrayEquals(body.getBytes(StandardCharsets.UTF_8), read.body(), body);
            assertSame(HttpRequest.fromEvent(e), read);
        }
        // \\u escapes as another serializer may write them, surrogate pairs included.
        byte[] escaped = "{\"body\":\"\\u00e9\\u260e\\ud83d\\udd11\\/\\\"\",\"isBase64Encoded\":false}"
                .getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(
                "é☎\uD83D\uDD11/\"".getBytes(StandardCharsets.UTF_8),
                ApiEventReader.read(escaped).body());
    }

    @Test
    void base64BodiesMissingBodiesAndFieldOrder() throws Exception {
        byte[] raw = {(byte) 0xFF, 0, 1, (byte) 0xC3, 'x'};
        ObjectNode e = event(Base64.getEncoder().encodeToString(raw), true);
        assertArrayEquals(
                raw, ApiEventReader.read(Json.MAPPER.writeValueAsBytes(e)).body());
        assertSame(HttpRequest.fromEvent(e), ApiEventReader.read(Json.MAPPER.writeValueAsBytes(e)));
        ObjectNode none = event(null, false);
        assertEquals(0, ApiEventReader.read(Json.MAPPER.writeValueAsBytes(none)).body().length);
        // isBase64Encoded before the body, and whitespace around the value, read the same.
        byte[] spaced = "{ \"isBase64Encoded\" : true , \"body\" :   \"eHl6\" }".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(
                "xyz".getBytes(StandardCharsets.UTF_8),
                ApiEventReader.read(spaced).body());
        assertEquals(Map.of(), ApiEventReader.read(spaced).headers());
    }

    @Test
    void anInvalidByteStaysInvalidSoJsonBodiesRefuseIt() throws Exception {
        // A lone surrogate escape has no UTF-8 form; it comes through as bytes a strict decoder refuses.
        byte[] event = "{\"body\":\"{\\\"k\\\":\\\"\\ud800\\\"}\"}".getBytes(StandardCharsets.UTF_8);
        byte[] body = ApiEventReader.read(event).body();
        ValidationException e =
                org.junit.jupiter.api.Assertions.assertThrows(ValidationException.class, () -> JsonBody.parse(body));
        assertEquals("json_invalid", e.errors().get(0).type());
    }
}
