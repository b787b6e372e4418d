package dev.hydracore.voice.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResponsesTest {
    @Test
    void validationBodyIsFastApiShapedWithEveryError() {
        HttpResponse r = Responses.validation(new ValidationException(List.of(
                ErrorDetail.of("Field required", "missing", "body", "agent_id"),
                ErrorDetail.of("Input should be a valid string", "string_type", "body", "items", 2))));
        assertEquals(422, r.status());
        assertEquals("application/json", r.headers().get("content-type"));
        assertEquals("{\"detail\":[{\"loc\":[\"body\",\"agent_id\"],\"msg\":\"Field required\",\"type\":\"missing\"},"
                + "{\"loc\":[\"body\",\"items\",2],\"msg\":\"Input should be a valid string\",\"type\":\"string_type\"}]}", r.body());
    }

    @Test
    void errorsCarryTheirHeaders() {
        HttpResponse r = Responses.error(ApiException.unavailable());
        assertEquals(503, r.status());
        assertEquals("1", r.headers().get("retry-after"));
        assertEquals("{\"detail\":\"Service temporarily unavailable, retry later\"}", r.body());
        HttpResponse auth = Responses.error(ApiException.notAuthenticated());
        assertEquals(Map.of("content-type", "application/json", "www-authenticate", "Bearer"), auth.headers());
    }

    @Test
    void detailEscapesJson() {
        assertEquals("{\"detail\":\"a \\\"quoted\\\" \\\\ word\"}", Responses.detail("a \"quoted\" \\ word"));
    }
}
