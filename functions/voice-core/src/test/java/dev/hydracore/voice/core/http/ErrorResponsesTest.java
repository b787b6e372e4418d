package dev.hydracore.voice.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorResponsesTest {
    @Test
    void validationBodyIsFastApiShapedWithEveryError() {
        HttpResponse r = new ValidationException(List.of(
                        ErrorDetail.of("Field required", "missing", "body", "agent_id"),
                        ErrorDetail.of("Input should be a valid string", "string_type", "body", "items", 2)))
                .toResponse();
        assertEquals(422, r.status());
        assertEquals("application/json", r.headers().get("content-type"));
        assertEquals(
                "{\"detail\":[{\"loc\":[\"body\",\"agent_id\"],\"msg\":\"Field required\",\"type\":\"missing\"},"
                        + "{\"loc\":[\"body\",\"items\",2],\"msg\":\"Input should be a valid string\",\"type\":\"string_type\"}]}",
                r.body());
    }

    @Test
    void errorsCarryTheirHeaders() {
        HttpResponse r = ApiException.unavailable().toResponse();
        assertEquals(503, r.status());
        assertEquals("1", r.headers().get("retry-after"));
        assertEquals("{\"detail\":\"Service temporarily unavailable, retry later\"}", r.body());
        HttpResponse auth = ApiException.notAuthenticated().toResponse();
        assertEquals(Map.of("content-type", "application/json", "www-authenticate", "Bearer"), auth.headers());
    }

    @Test
    void detailEscapesJson() {
        assertEquals("{\"detail\":\"a \\\"quoted\\\" \\\\ word\"}", ApiException.detailBody("a \"quoted\" \\ word"));
    }
}
