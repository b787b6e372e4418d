package dev.hydracore.voice.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Size, media type and JSON syntax of a request body, before any field is looked at. */
class JsonBodyTest {

    static HttpRequest request(String contentType, byte[] body) {
        Map<String, String> headers = new HashMap<>();
        if (contentType != null) {
            headers.put("content-type", contentType);
        }
        return new HttpRequest("POST", "/", "", Map.copyOf(headers), Map.of(), body, "test");
    }

    static HttpRequest json(String body) {
        return request("application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    static ErrorDetail onlyError(HttpRequest r) {
        ValidationException e = assertThrows(ValidationException.class, () -> JsonBody.read(r));
        assertEquals(1, e.errors().size());
        return e.errors().get(0);
    }

    /** Read without an ObjectMapper (cold start), the tree is the one ObjectMapper.readTree builds. */
    @Test
    void theTreeIsObjectMappersTree() throws Exception {
        for (String body : List.of(
                "{\"provider\":\"retell\",\"api_key\":\"k\",\"max_concurrent_calls\":5,\"x\":null}",
                "{\"a\":[1,-2,3.5,1e3,12345678901234567890123,true,false,null,{\"b\":\"\\u00e9\"}],\"a\":0}",
                "[]",
                "\"text\"",
                "-0.0",
                "9223372036854775807")) {
            assertEquals(Json.MAPPER.readTree(body), JsonBody.read(json(body)), body);
        }
    }

    @Test
    void emptyBodyIsAnEmptyObject() {
        assertEquals(Json.object(), JsonBody.read(request("application/json", new byte[0])));
        assertEquals(Json.object(), JsonBody.read(request(null, new byte[0])));
    }

    @Test
    void jsonMediaTypesAndAMissingContentTypeAreReadAsJson() throws Exception {
        JsonNode expected = Json.MAPPER.readTree("{\"provider\":\"retell\"}");
        byte[] body = "{\"provider\":\"retell\"}".getBytes(StandardCharsets.UTF_8);
        for (String ct : new String[] {
            "application/json",
            "application/json; charset=utf-8",
            "APPLICATION/JSON",
            "application/vnd.api+json",
            " application/merge-patch+json ;q=1",
            null,
            ""
        }) {
            assertEquals(expected, JsonBody.read(request(ct, body)), String.valueOf(ct));
        }
    }

    @Test
    void otherMediaTypesAre415() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        for (String ct : new String[] {
            "text/plain",
            "application/x-www-form-urlencoded",
            "text/json",
            "application/jsonx",
            "multipart/form-data; boundary=x",
            "json",
            "application/json-seq"
        }) {
            ApiException e = assertThrows(ApiException.class, () -> JsonBody.read(request(ct, body)), ct);
            assertEquals(415, e.status(), ct);
            assertEquals("Content-Type must be application/json", e.detail());
        }
    }

    @Test
    void bodyOverTheCapIs413EvenWhenItIsValidJsonOrHasTheWrongType() {
        byte[] atCap = ("{}" + " ".repeat(RequestLimits.MAX_BODY_BYTES - 2)).getBytes(StandardCharsets.UTF_8);
        assertEquals(RequestLimits.MAX_BODY_BYTES, atCap.length);
        assertEquals(Json.object(), JsonBody.read(request("application/json", atCap)));
        byte[] over = ("{}" + " ".repeat(RequestLimits.MAX_BODY_BYTES - 1)).getBytes(StandardCharsets.UTF_8);
        for (String ct : new String[] {"application/json", "text/plain"}) {
            ApiException e = assertThrows(ApiException.class, () -> JsonBody.read(request(ct, over)));
            assertEquals(413, e.status());
            assertEquals("Request body too large", e.detail());
        }
    }

    @Test
    void malformedJsonIsJsonInvalidAtPythonsCharacterOffset() {
        // Offsets as Python's json.loads reports them (JSONDecodeError.pos), which FastAPI puts in loc.
        Map<String, Integer> cases = Map.of(
                "{\"a\": x}", 6,
                "{\"a\":1,}", 7,
                "{", 1,
                "{} x", 3,
                "{} 1", 3,
                "[1,2", 4,
                "{\"a\" 1}", 5,
                "  ", 2,
                "nul", 0,
                "{'a':1}", 1);
        cases.forEach((body, pos) -> {
            ErrorDetail d = onlyError(json(body));
            assertEquals(List.of("body", pos), d.loc(), body);
            assertEquals("json_invalid", d.type());
            assertEquals("JSON decode error", d.msg());
        });
    }

    @Test
    void invalidUtf8IsJsonInvalidWhereTheBadByteSits() {
        byte[] body = {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'};
        ErrorDetail d = onlyError(request("application/json", body));
        assertEquals(List.of("body", 6), d.loc());
        assertEquals("json_invalid", d.type());
    }

    @Test
    void aLeadingByteOrderMarkIsAcceptedAsPythonDoes() throws Exception {
        byte[] bom = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf};
        byte[] json = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[bom.length + json.length];
        System.arraycopy(bom, 0, body, 0, bom.length);
        System.arraycopy(json, 0, body, bom.length, json.length);
        assertEquals(Json.MAPPER.readTree("{\"a\":1}"), JsonBody.read(request("application/json", body)));
        byte[] broken = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '{', 'x'};
        assertEquals(
                List.of("body", 1),
                onlyError(request("application/json", broken)).loc());
    }

    @Test
    void anyJsonValueIsReturnedForTheCallerToCheckItsShape() throws Exception {
        assertEquals(Json.MAPPER.readTree("[1]"), JsonBody.read(json("[1]")));
        assertEquals(Json.MAPPER.readTree("null"), JsonBody.read(json("null")));
        assertEquals(Json.MAPPER.readTree("\"s\""), JsonBody.read(json(" \"s\" ")));
    }
}
