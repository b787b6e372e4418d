package dev.hydracore.voice.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of an API Gateway HTTP API (payload format 2.0) event a handler uses. Header names
 * are lower-cased (API Gateway already does; we do again so tests can't get it wrong).
 */
public record HttpRequest(
        String method,
        String rawPath,
        String rawQueryString,
        Map<String, String> headers,
        Map<String, String> pathParameters,
        byte[] body,
        String requestId,
        String routeKey) {

    /** A request without a route key (tests, and events that name none). */
    public HttpRequest(
            String method,
            String rawPath,
            String rawQueryString,
            Map<String, String> headers,
            Map<String, String> pathParameters,
            byte[] body,
            String requestId) {
        this(method, rawPath, rawQueryString, headers, pathParameters, body, requestId, null);
    }

    public static HttpRequest fromEvent(JsonNode event) {
        JsonNode ctx = event.path("requestContext");
        String method = ctx.path("http").path("method").asText("GET").toUpperCase(Locale.ROOT);
        Map<String, String> headers = new HashMap<>();
        event.path("headers")
                .properties()
                .forEach(e -> headers.put(
                        e.getKey().toLowerCase(Locale.ROOT), e.getValue().asText()));
        Map<String, String> params = new HashMap<>();
        event.path("pathParameters")
                .properties()
                .forEach(e -> params.put(e.getKey(), e.getValue().asText()));
        byte[] body = new byte[0];
        JsonNode b = event.get("body");
        if (b != null && !b.isNull()) {
            body = event.path("isBase64Encoded").asBoolean(false)
                    ? Base64.getDecoder().decode(b.asText())
                    : b.asText().getBytes(StandardCharsets.UTF_8);
        }
        return new HttpRequest(
                method,
                event.path("rawPath").asText(""),
                event.path("rawQueryString").asText(""),
                Map.copyOf(headers),
                Map.copyOf(params),
                body,
                ctx.path("requestId").asText(""),
                event.path("routeKey").asText(null));
    }

    /** The event from its bytes, streamed (no tree; the body one byte array): what a Lambda invocation reads. */
    public static HttpRequest fromEventBytes(byte[] event) throws java.io.IOException {
        return ApiEventReader.read(event);
    }

    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }

    public String pathParameter(String name) {
        return pathParameters.getOrDefault(name, "");
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
