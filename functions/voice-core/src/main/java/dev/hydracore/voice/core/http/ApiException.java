package dev.hydracore.voice.core.http;

import dev.hydracore.voice.core.JsonStreams;
import java.util.Map;

/**
 * An answer other than success, in the contract's {@code {"detail": "..."}} shape. The detail is
 * a fixed sentence chosen by our code: never anything the caller or a provider sent.
 */
public class ApiException extends RuntimeException {
    public static final String CHANNEL_NOT_CONFIGURED = "Voice channel not configured";
    public static final String CHANGED_CONCURRENTLY = "Voice channel changed concurrently, retry";

    private final int status;
    private final String detail;
    private final Map<String, String> headers;

    public ApiException(int status, String detail) {
        this(status, detail, Map.of());
    }

    public ApiException(int status, String detail, Map<String, String> headers) {
        super(status + " " + detail, null, false, false);
        this.status = status;
        this.detail = detail;
        this.headers = Map.copyOf(headers);
    }

    public int status() {
        return status;
    }

    public String detail() {
        return detail;
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** The contract's error body, with the exception's headers. */
    public HttpResponse toResponse() {
        HttpResponse r = HttpResponse.json(status, detailBody(detail));
        for (Map.Entry<String, String> h : headers.entrySet()) {
            r = r.withHeader(h.getKey(), h.getValue());
        }
        return r;
    }

    /** {@code {"detail":"<sentence>"}}. */
    public static String detailBody(String sentence) {
        return JsonStreams.write(g -> {
            g.writeStartObject();
            g.writeStringField("detail", sentence);
            g.writeEndObject();
        });
    }

    /** 404: the instance has no voice channel (teardown, webhook). */
    public static ApiException channelNotConfigured() {
        return new ApiException(404, CHANNEL_NOT_CONFIGURED);
    }

    /** 409: the channel kept changing under the request's retry (setup, teardown). */
    public static ApiException changedConcurrently() {
        return new ApiException(409, CHANGED_CONCURRENTLY);
    }

    public static ApiException notAuthenticated() {
        return new ApiException(401, "Not authenticated", Map.of("www-authenticate", "Bearer"));
    }

    public static ApiException invalidApiKey() {
        return new ApiException(401, "Invalid API key", Map.of("www-authenticate", "Bearer"));
    }

    public static ApiException instanceNotFound() {
        return new ApiException(404, "Instance not found");
    }

    public static ApiException unavailable() {
        return new ApiException(503, "Service temporarily unavailable, retry later", Map.of("retry-after", "1"));
    }
}
