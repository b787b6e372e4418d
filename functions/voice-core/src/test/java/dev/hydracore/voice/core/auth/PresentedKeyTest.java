package dev.hydracore.voice.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hydracore.voice.core.http.ApiException;
import dev.hydracore.voice.core.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which key a request presents, before any lookup. */
class PresentedKeyTest {
    static HttpRequest request(Map<String, String> headers) {
        return new HttpRequest("GET", "/", "", headers, Map.of(), new byte[0], "r");
    }

    static String detail(Map<String, String> headers) {
        return assertThrows(ApiException.class, () -> Authenticator.presentedKey(request(headers)))
                .detail();
    }

    @Test
    void eitherHeaderPresentsTheKey() {
        assertEquals("k1", Authenticator.presentedKey(request(Map.of("authorization", "Bearer k1"))));
        assertEquals("k1", Authenticator.presentedKey(request(Map.of("authorization", "bearer   k1 "))));
        assertEquals("k2", Authenticator.presentedKey(request(Map.of("x-api-key", "k2"))));
        assertEquals(
                "k3", Authenticator.presentedKey(request(Map.of("authorization", "Bearer k3", "x-api-key", "k3"))));
        assertEquals(
                "k4", Authenticator.presentedKey(request(Map.of("authorization", "Basic abc", "x-api-key", "k4"))));
    }

    @Test
    void noKeyIsNotAuthenticatedAndDisagreementIsInvalid() {
        assertEquals("Not authenticated", detail(Map.of()));
        assertEquals("Not authenticated", detail(Map.of("authorization", "Basic abc")));
        assertEquals("Not authenticated", detail(Map.of("authorization", "Bearer")));
        assertEquals("Not authenticated", detail(Map.of("x-api-key", "")));
        assertEquals("Invalid API key", detail(Map.of("authorization", "Bearer k1", "x-api-key", "k2")));
    }
}
