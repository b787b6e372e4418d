package dev.hydracore.voice.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.tooling.ApiEvents;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The local API Gateway (HTTP API, payload format 2.0) on 127.0.0.1: routes a request
 * ({@link Router}), turns it into the v2 event ({@link ApiEvents}), has the route's function run
 * it, and maps the result back ({@link GatewayResponse}). With {@link ApiDocs}, it also serves the
 * docs page and the OpenAPI document, routes of the local runtime that come before the template's.
 */
public final class LocalGateway implements AutoCloseable {
    /** API Gateway's payload quota for HTTP APIs. */
    public static final int MAX_BODY_BYTES = 10 * 1024 * 1024;
    /** How much of an oversized body is read and dropped before the 413 (beyond it, the connection just closes). */
    static final long DRAIN_LIMIT_BYTES = 64L * 1024 * 1024;

    private final HttpServer server;
    private final Router router;
    private final Functions functions;
    private final ApiDocs docs;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    /** Binds at once (port 0: any free port), so the base URL is known before {@link #start()}. */
    public LocalGateway(Router router, Functions functions, int port) throws IOException {
        this(router, functions, port, null);
    }

    /** @param docs the docs page and OpenAPI document to serve at /docs and /openapi.json, or null for none */
    public LocalGateway(Router router, Functions functions, int port, ApiDocs docs) throws IOException {
        this.router = router;
        this.functions = functions;
        this.docs = docs;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public LocalGateway start() {
        server.start();
        return this;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            GatewayResponse response;
            try {
                response = respond(exchange);
            } catch (RuntimeException e) {
                System.err.println("local gateway: " + e);
                response = GatewayResponse.message(500);
            }
            send(exchange, response);
        }
    }

    private GatewayResponse respond(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String rawPath = exchange.getRequestURI().getRawPath();
        String rawQuery = exchange.getRequestURI().getRawQuery();
        if (docs != null) {
            Optional<GatewayResponse> page =
                    docs.respond(method, rawPath, exchange.getRequestHeaders().getFirst("Host"), baseUrl());
            if (page.isPresent()) {
                return page.get();
            }
        }
        Router.Result routed = router.route(method, rawPath);
        if (routed instanceof Router.NotFound) {
            return GatewayResponse.detail(404, "Not Found", List.of());
        }
        if (routed instanceof Router.MethodNotAllowed m) {
            return GatewayResponse.detail(
                    405, "Method Not Allowed", List.of(Map.entry("allow", String.join(", ", m.allowed()))));
        }
        Router.Match match = (Router.Match) routed;
        byte[] body = readBody(exchange);
        if (body == null) {
            return GatewayResponse.detail(413, "Request Entity Too Large", List.of());
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        exchange.getRequestHeaders().forEach((name, values) -> values.forEach(v -> headers.add(Map.entry(name, v))));
        InetSocketAddress remote = exchange.getRemoteAddress();
        String sourceIp = remote.getAddress().getHostAddress();
        // Headers API Gateway adds on its way in.
        addIfAbsent(headers, "x-forwarded-for", sourceIp);
        addIfAbsent(headers, "x-forwarded-proto", "http");
        addIfAbsent(headers, "x-forwarded-port", Integer.toString(port()));
        String host = exchange.getRequestHeaders().getFirst("Host");
        String domain = host == null || host.isBlank() ? "127.0.0.1:" + port() : host;
        ObjectNode event = ApiEvents.build(
                new ApiEvents.Request(method, rawPath, rawQuery, headers, body, domain, sourceIp),
                match.route().routeKey(),
                match.pathParameters());
        ((ObjectNode) event.path("requestContext").path("http")).put("protocol", exchange.getProtocol());
        String requestId = event.path("requestContext").path("requestId").asText();
        exchange.getResponseHeaders().set("apigw-requestid", requestId);
        InvokeResult result =
                functions.invoke(match.route().functionId(), requestId, Json.MAPPER.writeValueAsBytes(event));
        if (result.outcome() != InvokeResult.Outcome.RESULT) {
            System.err.println("local gateway: " + match.route().routeKey() + " -> "
                    + match.route().functionId() + ": " + result.outcome() + " " + result.payloadText());
        }
        return GatewayResponse.of(result);
    }

    private static void addIfAbsent(List<Map.Entry<String, String>> headers, String name, String value) {
        if (headers.stream().noneMatch(h -> h.getKey().equalsIgnoreCase(name))) {
            headers.add(Map.entry(name, value));
        }
    }

    /**
     * The body, or null when it exceeds {@link #MAX_BODY_BYTES}. An oversized body is still read
     * (and dropped) up to {@link #DRAIN_LIMIT_BYTES}: a server that answers 413 and closes while the
     * client is still sending resets the connection under the client's feet, which then sees no
     * answer at all instead of the 413.
     */
    private static byte[] readBody(HttpExchange exchange) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        try (InputStream in = exchange.getRequestBody()) {
            if (declared != null && Long.parseLong(declared.strip()) > MAX_BODY_BYTES) {
                discard(in, 0);
                return null;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                if (out.size() > MAX_BODY_BYTES) {
                    discard(in, out.size());
                    return null;
                }
            }
            return out.toByteArray();
        }
    }

    /** Reads and drops what is left of a body, until it ends or {@link #DRAIN_LIMIT_BYTES} are read in all. */
    private static void discard(InputStream in, long alreadyRead) throws IOException {
        byte[] buf = new byte[65536];
        long read = alreadyRead;
        for (int n; read < DRAIN_LIMIT_BYTES && (n = in.read(buf)) > 0; ) {
            read += n;
        }
    }

    private static void send(HttpExchange exchange, GatewayResponse response) throws IOException {
        Headers h = exchange.getResponseHeaders();
        for (Map.Entry<String, String> e : response.headers()) {
            String name = e.getKey();
            // The HTTP server frames the body itself.
            if (name.equalsIgnoreCase("content-length")
                    || name.equalsIgnoreCase("transfer-encoding")
                    || name.equalsIgnoreCase("connection")) {
                continue;
            }
            h.add(name, e.getValue());
        }
        byte[] body = response.body();
        boolean noBody = response.status() == 204
                || response.status() == 304
                || exchange.getRequestMethod().equalsIgnoreCase("HEAD")
                || body.length == 0;
        exchange.sendResponseHeaders(response.status(), noBody ? -1 : body.length);
        if (!noBody) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Runs an event through a function, by logical id. */
    @FunctionalInterface
    public interface Functions {
        InvokeResult invoke(String functionId, String requestId, byte[] event);
    }
}
