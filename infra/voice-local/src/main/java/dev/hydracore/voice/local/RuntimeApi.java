package dev.hydracore.voice.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Lambda Runtime API of one execution environment, as Lambda serves it to a runtime client
 * (AWS's runtime interface client, java or python): {@code GET /2018-06-01/runtime/invocation/next}
 * hands out one invocation at a time (headers {@code Lambda-Runtime-Aws-Request-Id},
 * {@code -Deadline-Ms}, {@code -Invoked-Function-Arn}, {@code -Trace-Id}, {@code -Client-Context}
 * when there is one), {@code POST …/invocation/{id}/response} and {@code …/{id}/error} settle it
 * (202), {@code POST …/init/error} reports a failed init (202), and SnapStart's
 * {@code GET …/restore/next} (200 once the environment is "restored", which is when the first
 * invocation arrives, as Lambda restores a snapshot for an invoke) and {@code POST …/restore/error}.
 * Responses and events over Lambda's synchronous limit (6 MB) are refused with 413.
 *
 * <p>Bound to 127.0.0.1 on a free port; the runtime client finds it through {@code AWS_LAMBDA_RUNTIME_API}.
 * It also records when the lifecycle's steps happened, which the bench and the tests read.
 */
public final class RuntimeApi implements AutoCloseable {
    /** Lambda's synchronous invocation payload limit, for the event and the response alike. */
    public static final int MAX_PAYLOAD_BYTES = 6_291_556;

    private static final String PREFIX = "/2018-06-01/runtime/";
    private static final Pattern INVOCATION_POST = Pattern.compile("invocation/([^/]+)/(response|error)");

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final String functionArn;
    private final LinkedBlockingQueue<Invocation> queue = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> restoreGate = new CompletableFuture<>();
    private final CompletableFuture<byte[]> initError = new CompletableFuture<>();
    private final AtomicInteger nextCalls = new AtomicInteger();
    private volatile Invocation current;
    private volatile long restoreRequestedNanos;
    private volatile long restoredNanos;
    private volatile long firstResponseNanos;
    private volatile long firstNextNanos;
    private volatile boolean closed;

    public RuntimeApi(String functionArn) {
        this.functionArn = functionArn;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the Runtime API on 127.0.0.1", e);
        }
        server.setExecutor(threads);
        server.createContext(PREFIX, this::handle);
        server.start();
    }

    /** {@code host:port}, the value of {@code AWS_LAMBDA_RUNTIME_API}. */
    public String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** The server, so that the container-credentials endpoint can share its port. */
    HttpServer server() {
        return server;
    }

    /**
     * Queues an event for the runtime's next {@code next} (and lets a SnapStart environment
     * restore). An event over {@link #MAX_PAYLOAD_BYTES} is refused here, as Lambda refuses the
     * Invoke call itself.
     */
    public Invocation offer(String requestId, byte[] event, long timeoutMillis) {
        return offer(requestId, event, timeoutMillis, null);
    }

    /** {@link #offer} with a client context (the base64 JSON an Invoke's ClientContext carries), or null. */
    public Invocation offer(String requestId, byte[] event, long timeoutMillis, String clientContext) {
        Invocation inv = new Invocation(requestId, event, timeoutMillis, clientContext);
        if (event.length > MAX_PAYLOAD_BYTES) {
            inv.result.complete(new InvokeResult(
                    InvokeResult.Outcome.FUNCTION_ERROR,
                    errorJson(
                            "RequestEntityTooLargeException",
                            "Request must be smaller than " + MAX_PAYLOAD_BYTES
                                    + " bytes for the InvokeFunction operation")));
            return inv;
        }
        initError.thenAccept(
                payload -> inv.result.complete(new InvokeResult(InvokeResult.Outcome.INIT_ERROR, payload)));
        queue.add(inv);
        restore();
        return inv;
    }

    /** Answers a waiting (or the next) {@code restore/next}: the snapshot is "restored" now. */
    public void restore() {
        if (!restoreGate.isDone()) {
            restoreGate.complete(null);
        }
    }

    /** When the runtime asked for {@code restore/next} (its hooks had run), or empty. */
    public Optional<Long> restoreRequestedNanos() {
        return restoreRequestedNanos == 0 ? Optional.empty() : Optional.of(restoreRequestedNanos);
    }

    /** When {@code restore/next} was answered (afterRestore starts), or empty. */
    public Optional<Long> restoredNanos() {
        return restoredNanos == 0 ? Optional.empty() : Optional.of(restoredNanos);
    }

    /** When the runtime first asked for an invocation (its init was done), or empty. */
    public Optional<Long> firstNextNanos() {
        return firstNextNanos == 0 ? Optional.empty() : Optional.of(firstNextNanos);
    }

    /** When the first invocation's response (or error) was posted, or empty. */
    public Optional<Long> firstResponseNanos() {
        return firstResponseNanos == 0 ? Optional.empty() : Optional.of(firstResponseNanos);
    }

    /** An init error the runtime reported ({@code init/error} or {@code restore/error}). */
    public CompletableFuture<byte[]> initError() {
        return initError;
    }

    public int nextCalls() {
        return nextCalls.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath().substring(PREFIX.length());
            String method = ex.getRequestMethod();
            if (method.equals("GET") && path.equals("invocation/next")) {
                next(ex);
            } else if (method.equals("POST") && path.equals("init/error")) {
                failInit(ex);
            } else if (method.equals("GET") && path.equals("restore/next")) {
                restoreNext(ex);
            } else if (method.equals("POST") && path.equals("restore/error")) {
                failInit(ex);
            } else {
                Matcher m = INVOCATION_POST.matcher(path);
                if (method.equals("POST") && m.matches()) {
                    settle(ex, m.group(1), m.group(2).equals("error"));
                } else {
                    reply(
                            ex,
                            404,
                            errorJson(
                                    "InvalidRoute",
                                    "no such Runtime API route: " + method + " "
                                            + ex.getRequestURI().getPath()));
                }
            }
        }
    }

    private void next(HttpExchange ex) throws IOException {
        if (nextCalls.getAndIncrement() == 0) {
            firstNextNanos = System.nanoTime();
        }
        Invocation inv;
        try {
            inv = null;
            while (inv == null && !closed) {
                inv = queue.poll(200, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            inv = null;
        }
        if (inv == null) {
            reply(ex, 500, errorJson("ServiceException", "the execution environment is shutting down"));
            return;
        }
        long deadline = System.currentTimeMillis() + inv.timeoutMillis;
        inv.deadlineEpochMillis = deadline;
        current = inv;
        var h = ex.getResponseHeaders();
        h.set("Content-Type", "application/json");
        h.set("Lambda-Runtime-Aws-Request-Id", inv.requestId);
        h.set("Lambda-Runtime-Deadline-Ms", Long.toString(deadline));
        h.set("Lambda-Runtime-Invoked-Function-Arn", functionArn);
        h.set("Lambda-Runtime-Trace-Id", traceId(inv.requestId));
        if (inv.clientContext != null) {
            h.set("Lambda-Runtime-Client-Context", inv.clientContext);
        }
        inv.dispatched.complete(deadline);
        reply(ex, 200, inv.event);
    }

    private void settle(HttpExchange ex, String requestId, boolean error) throws IOException {
        Invocation inv = current;
        if (inv == null || !inv.requestId.equals(requestId)) {
            drain(ex.getRequestBody());
            reply(ex, 400, errorJson("InvalidRequestID", "no invocation in progress has that request id"));
            return;
        }
        byte[] body = read(ex.getRequestBody(), MAX_PAYLOAD_BYTES);
        if (firstResponseNanos == 0) {
            firstResponseNanos = System.nanoTime();
        }
        if (body == null) {
            // Lambda answers 413 and the invocation fails; the runtime's error report that follows is accepted.
            inv.result.complete(new InvokeResult(
                    InvokeResult.Outcome.FUNCTION_ERROR,
                    errorJson(
                            "Function.ResponseSizeTooLarge",
                            "Response payload size exceeded maximum allowed payload size (" + MAX_PAYLOAD_BYTES
                                    + " bytes).")));
            reply(
                    ex,
                    413,
                    errorJson(
                            "RequestEntityTooLarge",
                            "Exceeded maximum allowed payload size (" + MAX_PAYLOAD_BYTES + " bytes)."));
            return;
        }
        inv.result.complete(
                new InvokeResult(error ? InvokeResult.Outcome.FUNCTION_ERROR : InvokeResult.Outcome.RESULT, body));
        reply(ex, 202, "{\"status\":\"OK\"}".getBytes(StandardCharsets.UTF_8));
    }

    private void failInit(HttpExchange ex) throws IOException {
        byte[] body = read(ex.getRequestBody(), MAX_PAYLOAD_BYTES);
        initError.complete(body == null ? errorJson("Runtime.InitError", "init failed") : body);
        reply(ex, 202, "{\"status\":\"OK\"}".getBytes(StandardCharsets.UTF_8));
    }

    private void restoreNext(HttpExchange ex) throws IOException {
        restoreRequestedNanos = System.nanoTime();
        while (!closed) {
            try {
                restoreGate.get(200, TimeUnit.MILLISECONDS);
                break;
            } catch (java.util.concurrent.TimeoutException e) {
                // keep waiting for the first invocation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                break;
            }
        }
        restoredNanos = System.nanoTime();
        reply(ex, 200, new byte[0]);
    }

    /** Reads at most {@code limit} bytes; null when the body is longer. */
    private static byte[] read(InputStream in, int limit) throws IOException {
        byte[] body = in.readNBytes(limit + 1);
        if (body.length > limit) {
            drain(in);
            return null;
        }
        return body;
    }

    private static void drain(InputStream in) throws IOException {
        in.transferTo(OutputStream.nullOutputStream());
    }

    private static void reply(HttpExchange ex, int status, byte[] body) throws IOException {
        if (!ex.getResponseHeaders().containsKey("Content-Type")) {
            ex.getResponseHeaders().set("Content-Type", "application/json");
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** X-Ray's trace header format, derived from the request id so it is stable per invocation. */
    private static String traceId(String requestId) {
        String hex = String.format(
                Locale.ROOT,
                "%032x",
                new java.math.BigInteger(1, requestId.getBytes(StandardCharsets.UTF_8))
                        .mod(java.math.BigInteger.TWO.pow(128)));
        long epoch = System.currentTimeMillis() / 1000;
        return "Root=1-" + Long.toHexString(epoch) + "-" + hex.substring(8) + ";Parent=" + hex.substring(0, 16)
                + ";Sampled=0";
    }

    static byte[] errorJson(String type, String message) {
        return ("{\"errorMessage\":" + quote(message) + ",\"errorType\":" + quote(type) + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String quote(String s) {
        return dev.hydracore.voice.core.Json.MAPPER.getNodeFactory().textNode(s).toString();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        restoreGate.completeExceptionally(new IllegalStateException("closed"));
        server.stop(0);
        threads.shutdownNow();
    }

    /** One invocation: what {@code next} hands out and what the runtime's post settles. */
    public static final class Invocation {
        private final String requestId;
        private final byte[] event;
        private final long timeoutMillis;
        private final String clientContext;
        private final CompletableFuture<Long> dispatched = new CompletableFuture<>();
        private final CompletableFuture<InvokeResult> result = new CompletableFuture<>();
        private volatile long deadlineEpochMillis;

        Invocation(String requestId, byte[] event, long timeoutMillis, String clientContext) {
            this.requestId = requestId;
            this.event = event;
            this.timeoutMillis = timeoutMillis;
            this.clientContext = clientContext;
        }

        public String requestId() {
            return requestId;
        }

        /** Completes with the epoch millisecond deadline when the runtime took the invocation. */
        public CompletableFuture<Long> dispatched() {
            return dispatched;
        }

        public CompletableFuture<InvokeResult> result() {
            return result;
        }
    }
}
