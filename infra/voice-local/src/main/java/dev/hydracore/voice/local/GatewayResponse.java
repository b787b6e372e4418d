package dev.hydracore.voice.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * What API Gateway (HTTP API, payload format 2.0) answers for a Lambda result:
 * <ul>
 *   <li>an object with {@code statusCode}: that status, {@code headers}, {@code multiValueHeaders},
 *       {@code cookies} (one Set-Cookie each) and {@code body}, base64-decoded when
 *       {@code isBase64Encoded};</li>
 *   <li>any other valid JSON: 200, {@code content-type: application/json}, the JSON as the body
 *       (format 2.0's inferred response);</li>
 *   <li>invalid JSON, a malformed proxy object, a function error or timeout: 502
 *       {@code {"message":"Internal Server Error"}}; a function that could not run at all: 500.</li>
 * </ul>
 * Gateway errors of our own (404, 405, 413) use the contract's FastAPI shape {@code {"detail": ...}}
 * rather than API Gateway's {@code {"message": ...}}, so clients parse one error shape.
 */
public record GatewayResponse(int status, List<Map.Entry<String, String>> headers, byte[] body) {
    public static final String INTERNAL_ERROR = "{\"message\":\"Internal Server Error\"}";

    public GatewayResponse {
        headers = List.copyOf(headers);
    }

    public static GatewayResponse of(InvokeResult result) {
        return switch (result.outcome()) {
            case RESULT -> fromLambda(result.payload());
            case FUNCTION_ERROR, TIMEOUT, INIT_ERROR -> message(502);
            case ENVIRONMENT_FAILED -> message(500);
        };
    }

    public static GatewayResponse detail(int status, String detail, List<Map.Entry<String, String>> extraHeaders) {
        List<Map.Entry<String, String>> h = new ArrayList<>(extraHeaders);
        h.add(Map.entry("content-type", "application/json"));
        String body = Json.object().put("detail", detail).toString();
        return new GatewayResponse(status, h, body.getBytes(StandardCharsets.UTF_8));
    }

    static GatewayResponse message(int status) {
        return new GatewayResponse(
                status,
                List.of(Map.entry("content-type", "application/json")),
                INTERNAL_ERROR.getBytes(StandardCharsets.UTF_8));
    }

    static GatewayResponse fromLambda(byte[] payload) {
        JsonNode out;
        try {
            out = Json.MAPPER.readTree(payload);
        } catch (IOException e) {
            return message(502);
        }
        if (out == null || out.isMissingNode()) {
            return message(502);
        }
        if (!out.isObject() || !out.has("statusCode")) {
            return new GatewayResponse(200, List.of(Map.entry("content-type", "application/json")), payload);
        }
        try {
            return proxyResponse(out);
        } catch (IllegalArgumentException malformed) {
            return message(502);
        }
    }

    private static GatewayResponse proxyResponse(JsonNode out) {
        JsonNode status = out.get("statusCode");
        if (!status.canConvertToInt() || !status.isIntegralNumber() || status.asInt() < 100 || status.asInt() > 599) {
            throw new IllegalArgumentException("statusCode");
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        JsonNode h = out.path("headers");
        if (!h.isMissingNode() && !h.isNull()) {
            require(h.isObject());
            h.properties().forEach(e -> {
                require(e.getValue().isValueNode() && !e.getValue().isNull());
                headers.add(Map.entry(e.getKey(), e.getValue().asText()));
            });
        }
        JsonNode mv = out.path("multiValueHeaders");
        if (!mv.isMissingNode() && !mv.isNull()) {
            require(mv.isObject());
            mv.properties().forEach(e -> {
                require(e.getValue().isArray());
                e.getValue().forEach(v -> headers.add(Map.entry(e.getKey(), v.asText())));
            });
        }
        JsonNode cookies = out.path("cookies");
        if (!cookies.isMissingNode() && !cookies.isNull()) {
            require(cookies.isArray());
            cookies.forEach(c -> {
                require(c.isTextual());
                headers.add(Map.entry("set-cookie", c.asText()));
            });
        }
        JsonNode b64 = out.path("isBase64Encoded");
        require(b64.isMissingNode() || b64.isNull() || b64.isBoolean());
        JsonNode body = out.path("body");
        byte[] bytes;
        if (body.isMissingNode() || body.isNull()) {
            bytes = new byte[0];
        } else {
            require(body.isTextual());
            bytes = b64.asBoolean(false)
                    ? Base64.getDecoder().decode(body.asText())
                    : body.asText().getBytes(StandardCharsets.UTF_8);
        }
        return new GatewayResponse(status.asInt(), headers, bytes);
    }

    private static void require(boolean wellFormed) {
        if (!wellFormed) {
            throw new IllegalArgumentException("malformed Lambda proxy response");
        }
    }
}
