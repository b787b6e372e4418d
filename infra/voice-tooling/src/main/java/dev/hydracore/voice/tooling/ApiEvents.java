package dev.hydracore.voice.tooling;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Builds the API Gateway HTTP API (payload format 2.0) event Lambda would deliver for a request:
 * the one builder behind the local runtime, invoke samples and handler tests.
 */
public final class ApiEvents {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

    private ApiEvents() {}

    public static ObjectNode build(Request request, String routeKey, Map<String, String> pathParameters) {
        ObjectNode e = Json.object();
        e.put("version", "2.0");
        e.put("routeKey", routeKey);
        e.put("rawPath", request.rawPath());
        e.put("rawQueryString", request.rawQueryString() == null ? "" : request.rawQueryString());
        Map<String, String> headers = new LinkedHashMap<>();
        List<String> cookies = new ArrayList<>();
        for (Map.Entry<String, String> h : request.headers()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("cookie")) {
                for (String c : h.getValue().split(";")) {
                    if (!c.isBlank()) {
                        cookies.add(c.strip());
                    }
                }
                continue;
            }
            headers.merge(name, h.getValue(), (a, b) -> a + "," + b);
        }
        if (!cookies.isEmpty()) {
            ArrayNode c = e.putArray("cookies");
            cookies.forEach(c::add);
        }
        ObjectNode hn = e.putObject("headers");
        headers.forEach(hn::put);
        Map<String, String> query = queryParameters(request.rawQueryString());
        if (!query.isEmpty()) {
            ObjectNode q = e.putObject("queryStringParameters");
            query.forEach(q::put);
        }
        if (!pathParameters.isEmpty()) {
            ObjectNode pp = e.putObject("pathParameters");
            pathParameters.forEach(pp::put);
        }
        Instant now = Instant.now();
        ObjectNode ctx = e.putObject("requestContext");
        ctx.put("accountId", "123456789012");
        ctx.put("apiId", "local");
        ctx.put("domainName", request.domainName());
        ctx.put("domainPrefix", request.domainName().split("[.:]")[0]);
        ObjectNode http = ctx.putObject("http");
        http.put("method", request.method().toUpperCase(Locale.ROOT));
        http.put("path", request.rawPath());
        http.put("protocol", "HTTP/1.1");
        http.put("sourceIp", request.sourceIp());
        http.put("userAgent", headers.getOrDefault("user-agent", ""));
        ctx.put("requestId", UUID.randomUUID().toString());
        ctx.put("routeKey", routeKey);
        ctx.put("stage", "$default");
        ctx.put("time", TIME.format(now));
        ctx.put("timeEpoch", now.toEpochMilli());
        byte[] body = request.body() == null ? new byte[0] : request.body();
        if (body.length > 0) {
            // A text body goes as text only when it is text: bytes that are not UTF-8 go base64-encoded, so
            // the function sees them as sent (and refuses them) instead of replacement characters.
            boolean text = isText(headers.get("content-type")) && isUtf8(body);
            e.put(
                    "body",
                    text
                            ? new String(body, StandardCharsets.UTF_8)
                            : Base64.getEncoder().encodeToString(body));
            e.put("isBase64Encoded", !text);
        } else {
            e.put("isBase64Encoded", false);
        }
        return e;
    }

    /** Convenience for tests: a JSON or empty request with the given headers. */
    public static ObjectNode of(
            String method,
            String rawPath,
            String routeKey,
            Map<String, String> pathParameters,
            Map<String, String> headers,
            String body) {
        List<Map.Entry<String, String>> h = new ArrayList<>(headers.entrySet());
        byte[] bytes = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
        if (bytes != null && headers.keySet().stream().noneMatch(k -> k.equalsIgnoreCase("content-type"))) {
            h.add(Map.entry("content-type", "application/json"));
        }
        return build(
                new Request(method, rawPath, "", h, bytes, "127.0.0.1:3000", "127.0.0.1"), routeKey, pathParameters);
    }

    /**
     * HTTP APIs pass text bodies as they are and base64-encode the rest — including form posts
     * such as Twilio's, which is why webhook handlers must honour isBase64Encoded.
     */
    static boolean isText(String contentType) {
        if (contentType == null) {
            return false;
        }
        String ct = contentType.toLowerCase(Locale.ROOT).split(";")[0].strip();
        return ct.startsWith("text/")
                || ct.equals("application/json")
                || ct.endsWith("+json")
                || ct.equals("application/xml")
                || ct.endsWith("+xml")
                || ct.equals("application/javascript");
    }

    static boolean isUtf8(byte[] body) {
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(body));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    /** API Gateway joins repeated query parameters with commas. */
    static Map<String, String> queryParameters(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.merge(k, v, (a, b) -> a + "," + b);
        }
        return out;
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** A request as it arrives over HTTP. Header names keep their case here; repeated headers repeat. */
    public record Request(
            String method,
            String rawPath,
            String rawQueryString,
            List<Map.Entry<String, String>> headers,
            byte[] body,
            String domainName,
            String sourceIp) {}
}
