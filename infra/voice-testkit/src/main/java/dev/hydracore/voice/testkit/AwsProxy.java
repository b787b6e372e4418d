package dev.hydracore.voice.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP proxy in front of the emulator, for tests whose code under test runs in another
 * process (the operator CLI, function JVMs): counts AWS calls by {@code X-Amz-Target} and can answer
 * one operation with an AWS error of the test's choosing instead of forwarding it. It serves calls
 * concurrently, can hold each one for a while before forwarding it, and records how many were in
 * flight at once. Everything else reaches the emulator unchanged.
 */
public final class AwsProxy implements AutoCloseable {
    private static final Set<String> RESTRICTED = Set.of("host", "connection", "content-length", "expect", "upgrade");
    private final HttpServer server;
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URI target;
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final Map<String, String> faults = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private volatile long holdMillis;

    public AwsProxy(URI target) throws IOException {
        this.target = target;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::forward);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "aws-proxy");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Answers every call of {@code target} (e.g. {@code DynamoDB_20120810.TransactWriteItems}) with HTTP 400 and this JSON body. */
    public AwsProxy failWith(String target, String awsJsonError) {
        faults.put(target, awsJsonError);
        return this;
    }

    /** Calls seen, by operation (faulted ones included). */
    public Map<String, Integer> counts() {
        Map<String, Integer> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Holds every call this long before forwarding it (0: none), so overlapping calls are seen overlapping. */
    public AwsProxy holdEach(Duration hold) {
        this.holdMillis = hold.toMillis();
        return this;
    }

    /** The most calls in flight at once since the last {@link #reset()}. */
    public int maxInFlight() {
        return maxInFlight.get();
    }

    public void reset() {
        counts.clear();
        maxInFlight.set(0);
    }

    private void forward(HttpExchange ex) throws IOException {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try (ex) {
            if (holdMillis > 0) {
                Thread.sleep(holdMillis);
            }
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            String op = ex.getRequestHeaders().getFirst("X-Amz-Target");
            String name = op == null
                    ? ex.getRequestMethod() + " " + ex.getRequestURI().getPath()
                    : op;
            counts.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
            String fault = faults.get(name);
            if (fault != null) {
                byte[] b = fault.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
                ex.sendResponseHeaders(400, b.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(b);
                }
                return;
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(
                            target.resolve(ex.getRequestURI().toString()))
                    .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            ex.getRequestHeaders().forEach((h, values) -> {
                if (!RESTRICTED.contains(h.toLowerCase(Locale.ROOT))) {
                    values.forEach(v -> b.header(h, v));
                }
            });
            HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            r.headers().map().forEach((h, values) -> {
                if (!RESTRICTED.contains(h.toLowerCase(Locale.ROOT)) && !h.equalsIgnoreCase("transfer-encoding")) {
                    ex.getResponseHeaders().put(h, List.copyOf(values));
                }
            });
            ex.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(r.body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
