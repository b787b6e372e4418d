package dev.hydracore.voice.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hydracore.voice.core.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * The container-credentials endpoint a SnapStart function gets its credentials from, as Lambda
 * provides it: {@code AWS_CONTAINER_CREDENTIALS_FULL_URI} names it, and every request must carry
 * {@code AWS_CONTAINER_AUTHORIZATION_TOKEN} in its {@code Authorization} header (checked in
 * constant time; anything else is 403 and no credentials). It answers the JSON the SDK's
 * {@code ContainerCredentialsProvider} reads, with an {@code Expiration} {@link #lifetime} ahead,
 * so a client refreshes them as it would on Lambda. Shares the environment's Runtime API port
 * (127.0.0.1 only); one token per execution environment.
 */
public final class ContainerCredentials {
    static final String PATH = "/2018-06-01/credentials";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String uri;
    private final byte[] token;
    private final Supplier<AwsCredentials> source;
    private final Duration lifetime;
    private final AtomicInteger served = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    ContainerCredentials(HttpServer server, Supplier<AwsCredentials> source, Duration lifetime) {
        this.source = source;
        this.lifetime = lifetime;
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        this.token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw).getBytes(StandardCharsets.US_ASCII);
        this.uri = "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
        server.createContext(PATH, this::handle);
    }

    /** The two variables Lambda sets for it; the token is in the function's environment only. */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri);
        env.put("AWS_CONTAINER_AUTHORIZATION_TOKEN", new String(token, StandardCharsets.US_ASCII));
        return env;
    }

    /** How many times credentials were handed out. */
    public int served() {
        return served.get();
    }

    /** How many requests were refused (missing or wrong token, wrong method). */
    public int refused() {
        return refused.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            boolean ok = ex.getRequestMethod().equals("GET")
                    && auth != null
                    && MessageDigest.isEqual(token, auth.getBytes(StandardCharsets.US_ASCII));
            if (!ok) {
                refused.incrementAndGet();
                byte[] body = "{\"message\":\"Forbidden\"}".getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(403, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
                return;
            }
            AwsCredentials c = source.get();
            ObjectNode json = Json.object();
            json.put("AccessKeyId", c.accessKeyId());
            json.put("SecretAccessKey", c.secretAccessKey());
            if (c instanceof AwsSessionCredentials s) {
                json.put("Token", s.sessionToken());
            } else {
                // Lambda's role credentials are always session credentials; an emulator ignores the token.
                json.put("Token", "local-session-token");
            }
            json.put(
                    "Expiration",
                    Instant.now()
                            .plus(lifetime)
                            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                            .toString());
            byte[] body = Json.MAPPER.writeValueAsBytes(json);
            served.incrementAndGet();
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
