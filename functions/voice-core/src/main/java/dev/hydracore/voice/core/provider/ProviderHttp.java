package dev.hydracore.voice.core.provider;

import dev.hydracore.voice.core.Deadline;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * The one HTTP client both providers' clients send through: the JDK's (no provider SDK, nothing
 * added to a function's package), a connect timeout and a per-request timeout on every request,
 * bounded further by the caller's {@link Deadline}. Only HTTP status and body come back.
 */
public final class ProviderHttp {
    /** Connecting to a provider takes well under a second; longer means it is unreachable. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    /** The most one provider request may take, connection included. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);

    private final HttpClient client;

    public ProviderHttp() {
        this.client = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /**
     * Sends one request; an unanswered request (timeout, connection failure, interrupted) is
     * {@link ProviderException.Kind#UNAVAILABLE}, a header value HTTP cannot carry is
     * {@link ProviderException.Kind#REFUSED_CREDENTIALS} (nothing sent), any answer is returned as it came.
     */
    Answer send(
            String provider,
            String operation,
            String method,
            URI uri,
            Map<String, String> headers,
            String contentType,
            byte[] body,
            Deadline deadline) {
        Duration timeout = deadline.cap(REQUEST_TIMEOUT);
        if (timeout.isZero()) {
            throw new ProviderException(ProviderException.Kind.UNAVAILABLE, provider, operation, 0, null);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json");
        try {
            headers.forEach(b::header);
        } catch (IllegalArgumentException e) {
            // A credential HTTP cannot carry (a character beyond Latin-1, a line separator) is no
            // provider's credential: refused, unsent. The JDK's message quotes the value: dropped.
            throw new ProviderException(ProviderException.Kind.REFUSED_CREDENTIALS, provider, operation, 0, null);
        }
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        }
        try {
            HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new ProviderException(ProviderException.Kind.UNAVAILABLE, provider, operation, 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(ProviderException.Kind.UNAVAILABLE, provider, operation, 0, e);
        }
    }

    /** A provider's answer: status and body bytes. */
    record Answer(int status, byte[] body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }
}
