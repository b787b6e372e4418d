package dev.hydracore.voice.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * What both fakes share: a JDK HTTP server on 127.0.0.1 (a free port), the request log, fault
 * injection and the provider-independent part of the control API under {@code /_fake/}:
 *
 * <ul>
 *   <li>{@code GET /_fake/requests}: the request log, oldest first ({@link RecordedRequest} in
 *       snake_case); {@code DELETE /_fake/requests} empties it;
 *   <li>{@code POST /_fake/faults} {@code {"operation","status","delay_ms","times","retry_after_seconds"}}
 *       queues a {@link Fault}; {@code DELETE /_fake/faults} drops the queued ones;
 *   <li>{@code GET /_fake/violations}: what Prism found invalid in this provider's traffic (when
 *       the fake runs behind {@link ProviderFakes}; otherwise {@code []}).
 * </ul>
 */
public abstract class FakeProvider implements AutoCloseable {
    protected static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<RecordedRequest> requests = new ArrayList<>();
    private final List<Fault> faults = new ArrayList<>();
    private volatile Supplier<List<PrismViolation>> violations = List::of;

    protected FakeProvider() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a loopback port for the fake", e);
        }
        server.createContext("/", this::serve);
        server.setExecutor(executor);
        server.start();
    }

    /** The fake's own origin (no Prism in between): the provider routes and {@code /_fake/}. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public synchronized void inject(Fault fault) {
        faults.add(fault);
    }

    public synchronized void clearFaults() {
        faults.clear();
    }

    public synchronized List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    public synchronized void clearRequests() {
        requests.clear();
    }

    /** The requests of one operation (its operationId in the provider's document). */
    public List<RecordedRequest> requests(String operation) {
        return requests().stream().filter(r -> operation.equals(r.operation())).toList();
    }

    /** The writes the fake accepted (and so applied): empty means the provider was left as it was. */
    public List<RecordedRequest> acceptedWrites() {
        return requests().stream().filter(RecordedRequest::isAcceptedWrite).toList();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    void reportViolationsFrom(Supplier<List<PrismViolation>> source) {
        this.violations = source;
    }

    /** The operation a provider path names, with what answers it; empty for a path the fake does not serve. */
    protected abstract Optional<Route> route(String method, String path);

    /** The provider's error answer for a status (its error body shape). */
    protected abstract Answer error(int status, String message);

    /** The provider-specific control routes (seed and read state) under {@code /_fake/}. */
    protected abstract Optional<Answer> control(String method, List<String> path, JsonNode body);

    protected static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    protected static String text(JsonNode body, String field) {
        JsonNode v = body == null ? null : body.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            byte[] raw = exchange.getRequestBody().readAllBytes();
            String body = new String(raw, StandardCharsets.UTF_8);
            Answer answer;
            if (path.startsWith("/_fake/")) {
                answer = controlAnswer(method, path, body);
            } else {
                String authorization = exchange.getRequestHeaders().getFirst("Authorization");
                Optional<Route> route = route(method, path);
                String operation = route.map(Route::operation).orElse(null);
                answer = route.isEmpty()
                        ? error(404, "The requested resource " + path + " was not found")
                        : answerWithFaults(route.get(), new Request(method, path, query, body, authorization));
                record(new RecordedRequest(
                        operation, method, path, query, body, authorization != null, answer.status()));
            }
            send(exchange, answer);
        } catch (RuntimeException e) {
            send(exchange, error(500, "fake failed: " + e.getClass().getSimpleName()));
        }
    }

    private Answer answerWithFaults(Route route, Request request) {
        Optional<Fault> fault = takeFault(route.operation());
        if (fault.isPresent()) {
            if (fault.get().delayMillis() > 0) {
                try {
                    Thread.sleep(fault.get().delayMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (fault.get().status() != 0) {
                Answer a = error(fault.get().status(), "injected fault");
                return fault.get().status() == 429
                        ? a.withHeader(
                                "Retry-After", Integer.toString(fault.get().retryAfterSeconds()))
                        : a;
            }
        }
        return route.handler().answer(request);
    }

    private synchronized Optional<Fault> takeFault(String operation) {
        for (int i = 0; i < faults.size(); i++) {
            Fault f = faults.get(i);
            if (f.appliesTo(operation)) {
                if (f.times() == 1) {
                    faults.remove(i);
                } else {
                    faults.set(i, f.used());
                }
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    private synchronized void record(RecordedRequest request) {
        requests.add(request);
    }

    private Answer controlAnswer(String method, String path, String body) {
        List<String> segments = new ArrayList<>();
        for (String s : path.substring("/_fake/".length()).split("/")) {
            if (!s.isEmpty()) {
                segments.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
            }
        }
        JsonNode json;
        try {
            json = body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            return Answer.json(400, JSON.createObjectNode().put("message", "control bodies are JSON"));
        }
        try {
            Optional<Answer> common = commonControl(method, segments, json);
            if (common.isPresent()) {
                return common.get();
            }
            return control(method, segments, json)
                    .orElse(Answer.json(
                            404, JSON.createObjectNode().put("message", "no control route " + method + " " + path)));
        } catch (IllegalArgumentException e) {
            return Answer.json(400, JSON.createObjectNode().put("message", e.getMessage()));
        }
    }

    private Optional<Answer> commonControl(String method, List<String> path, JsonNode body) {
        if (path.equals(List.of("requests"))) {
            if (method.equals("DELETE")) {
                clearRequests();
                return Optional.of(Answer.empty(204));
            }
            ArrayNode out = JSON.createArrayNode();
            for (RecordedRequest r : requests()) {
                ObjectNode n = out.addObject();
                n.put("operation", r.operation());
                n.put("method", r.method());
                n.put("path", r.path());
                n.put("query", r.query());
                n.put("body", r.body());
                n.put("auth_presented", r.authPresented());
                n.put("status", r.status());
            }
            return Optional.of(Answer.json(200, out));
        }
        if (path.equals(List.of("faults"))) {
            if (method.equals("DELETE")) {
                clearFaults();
                return Optional.of(Answer.empty(204));
            }
            inject(new Fault(
                    Optional.ofNullable(text(body, "operation")).orElse(Fault.ANY_OPERATION),
                    body.path("status").asInt(0),
                    body.path("delay_ms").asLong(0),
                    body.path("times").asInt(1),
                    body.path("retry_after_seconds").asInt(body.path("status").asInt(0) == 429 ? 1 : 0)));
            return Optional.of(Answer.empty(204));
        }
        if (path.equals(List.of("violations")) && method.equals("GET")) {
            ArrayNode out = JSON.createArrayNode();
            violations.get().forEach(v -> out.add(v.toJson()));
            return Optional.of(Answer.json(200, out));
        }
        return Optional.empty();
    }

    private static void send(HttpExchange exchange, Answer answer) throws IOException {
        answer.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        if (answer.body() == null) {
            exchange.sendResponseHeaders(answer.status(), -1);
            return;
        }
        byte[] bytes = JSON.writeValueAsBytes(answer.body());
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(answer.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** A provider request as the fake sees it: the raw path, query and body, and the Authorization header. */
    protected record Request(String method, String path, String query, String body, String authorization) {
        /** Form or query parameters, decoded, in order (Twilio's writes are form-encoded). */
        static Map<String, String> params(String encoded) {
            Map<String, String> out = new LinkedHashMap<>();
            if (encoded == null || encoded.isEmpty()) {
                return out;
            }
            for (String pair : encoded.split("&")) {
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                out.put(k, v);
            }
            return out;
        }

        Map<String, String> queryParams() {
            return params(query);
        }

        Map<String, String> formParams() {
            return params(body);
        }

        JsonNode json() {
            try {
                return body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalArgumentException("not JSON");
            }
        }
    }

    /** One operation of the provider's document and the fake's implementation of it. */
    protected record Route(String operation, Handler handler) {}

    @FunctionalInterface
    protected interface Handler {
        Answer answer(Request request);
    }

    /** A status, a JSON body ({@code null}: none) and extra headers. */
    protected record Answer(int status, JsonNode body, Map<String, String> headers) {
        static Answer json(int status, JsonNode body) {
            return new Answer(status, body, Map.of());
        }

        static Answer empty(int status) {
            return new Answer(status, null, Map.of());
        }

        Answer withHeader(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Answer(status, body, Map.copyOf(h));
        }
    }
}
