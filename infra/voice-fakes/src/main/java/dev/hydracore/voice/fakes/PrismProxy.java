package dev.hydracore.voice.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code prism proxy <document> <fake> --errors} on a free loopback port, and in front of it a
 * pass-through on another that reads what Prism says about each exchange: prism-cli 5.14.2 puts
 * every violation it found in an {@code sl-violations} response header (a JSON array), and with
 * {@code --errors} answers an invalid request 422 and replaces an invalid answer by a 500, both
 * {@code application/problem+json} with the violations under {@code validation}; a request Prism
 * cannot match to the document (no path, no credentials) is a problem+json of its own type. Its
 * info-level log names none of the violations' details, so the pass-through is where they are
 * read. Clients use {@link #url()}: the pass-through, then Prism, then the fake.
 */
final class PrismProxy implements AutoCloseable {
    private static final String PRISM_ERRORS = "https://stoplight.io/prism/errors#";
    private static final String LISTENING = "Prism is listening on";
    /**
     * Prism under a shell that ends it when our end of its stdin closes: a JVM killed with SIGKILL
     * runs no shutdown hook, and Node does not exit on its own when its parent dies. SIGTERM (our
     * close()) ends it too.
     */
    private static final String TIED_TO_STDIN = "\"$@\" </dev/null & child=$!\n"
            + "trap 'kill $child 2>/dev/null; exit 0' TERM INT HUP\n"
            + "while read -r _; do :; done\n"
            + "kill $child 2>/dev/null\n";

    private static final Set<String> HOP_HEADERS =
            Set.of("host", "connection", "content-length", "expect", "upgrade", "keep-alive", "transfer-encoding");

    private final String provider;
    private final Process prism;
    private final HttpServer tap;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final URI prismUrl;
    private final Deque<String> output = new ArrayDeque<>();
    private final List<PrismViolation> violations = new ArrayList<>();
    private volatile Consumer<PrismViolation> listener = v -> {};

    PrismProxy(String provider, Path prismBin, Path document, URI upstream) throws IOException {
        this(provider, prismBin, document, upstream, PrismProxy::freePort);
    }

    /** The same, with the ports to try from {@code ports} (tests: a port taken before Prism binds it). */
    PrismProxy(String provider, Path prismBin, Path document, URI upstream, PortSource ports) throws IOException {
        this.provider = provider;
        Process started = null;
        int port = 0;
        HttpServer server = null;
        try {
            // A free port is only free until Prism binds it: another process on the machine can
            // take it in between (seen in CI as EADDRINUSE). Such a start is tried on another port.
            for (int attempt = 1; started == null; attempt++) {
                port = ports.next();
                Process p = startPrism(prismBin, document, upstream, port);
                CountDownLatch listening = new CountDownLatch(1);
                Thread reader = new Thread(() -> readOutput(p, listening), "prism-" + provider);
                reader.setDaemon(true);
                reader.start();
                if (listening.await(60, TimeUnit.SECONDS)
                        && p.isAlive()
                        && outputTail().contains(LISTENING)) {
                    started = p;
                    continue;
                }
                stop(p);
                reader.join(5_000);
                String tail = outputTail();
                if (!tail.contains("EADDRINUSE") || attempt == 5) {
                    throw new IOException("prism proxy for " + provider + " did not start: " + tail);
                }
                synchronized (this) {
                    output.clear();
                }
            }
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", this::forward);
            server.setExecutor(executor);
            server.start();
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (started != null) {
                stop(started);
            }
            executor.shutdownNow();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof IOException io
                    ? io
                    : new IOException("prism proxy for " + provider + " did not start", e);
        }
        this.prism = started;
        this.prismUrl = URI.create("http://127.0.0.1:" + port);
        this.tap = server;
    }

    private static Process startPrism(Path prismBin, Path document, URI upstream, int port) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(
                        "sh",
                        "-c",
                        TIED_TO_STDIN,
                        "prism",
                        prismBin.toString(),
                        "proxy",
                        document.toString(),
                        upstream.toString(),
                        "--errors",
                        "-h",
                        "127.0.0.1",
                        "-p",
                        Integer.toString(port))
                .redirectErrorStream(true);
        // Prism's log would be coloured for a terminal; plain lines read the same in a log file.
        pb.environment().put("NO_COLOR", "1");
        pb.environment().put("FORCE_COLOR", "0");
        return pb.start();
    }

    private static void stop(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    static Path prismBinary(Path root) {
        Path bin = root.resolve("node_modules/.bin/prism");
        if (!Files.isExecutable(bin)) {
            throw new IllegalStateException(
                    "no Prism at " + bin + ": ./hydra setup installs it (npm ci, package-lock.json)");
        }
        return bin;
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + tap.getAddress().getPort());
    }

    URI prismUrl() {
        return prismUrl;
    }

    /** The shell Prism runs under (tests: what happens when our end of its stdin closes). */
    Process process() {
        return prism;
    }

    void onViolation(Consumer<PrismViolation> l) {
        this.listener = l;
    }

    synchronized List<PrismViolation> violations() {
        return List.copyOf(violations);
    }

    synchronized String outputTail() {
        return String.join("\n", output);
    }

    @Override
    public void close() {
        if (tap != null) {
            tap.stop(0);
        }
        executor.shutdownNow();
        List<ProcessHandle> node = prism.descendants().toList();
        prism.destroy();
        try {
            if (!prism.waitFor(5, TimeUnit.SECONDS)) {
                prism.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            for (ProcessHandle p : node) {
                if (!p.onExit().completeOnTimeout(p, 5, TimeUnit.SECONDS).join().isAlive()) {
                    continue;
                }
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            node.forEach(ProcessHandle::destroyForcibly);
            prism.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void readOutput(Process p, CountDownLatch listening) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (this) {
                    output.addLast(line);
                    if (output.size() > 200) {
                        output.removeFirst();
                    }
                }
                // On EADDRINUSE Prism prints its usage and the error and does not end (nor does the
                // shell it runs under), so that line ends the wait too.
                if (line.contains(LISTENING) || line.contains("EADDRINUSE")) {
                    listening.countDown();
                }
            }
        } catch (IOException e) {
            // The process ended; close() or the start timeout says so.
        } finally {
            listening.countDown();
        }
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String pathAndQuery = exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null
                            ? ""
                            : "?" + exchange.getRequestURI().getRawQuery());
            byte[] body = exchange.getRequestBody().readAllBytes();
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(prismUrl + pathAndQuery))
                    .method(
                            method,
                            body.length == 0
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(v -> req.header(name, v));
                }
            });
            HttpResponse<byte[]> res;
            try {
                res = client.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.sendResponseHeaders(502, -1);
                return;
            } catch (IOException e) {
                exchange.sendResponseHeaders(502, -1);
                return;
            }
            note(method, exchange.getRequestURI().getRawPath(), res);
            res.headers().map().forEach((name, values) -> {
                if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            byte[] out = res.body();
            boolean noBody = out.length == 0 || res.statusCode() == 204 || method.equals("HEAD");
            exchange.sendResponseHeaders(res.statusCode(), noBody ? -1 : out.length);
            if (!noBody) {
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(out);
                }
            }
        }
    }

    private void note(String method, String path, HttpResponse<byte[]> res) {
        List<PrismViolation> found = new ArrayList<>();
        int status = res.statusCode();
        String header = res.headers().firstValue("sl-violations").orElse(null);
        if (header != null) {
            readViolations(method, path, status, header, found);
        }
        String type = res.headers().firstValue("content-type").orElse("");
        if (found.isEmpty() && type.startsWith("application/problem+json")) {
            try {
                JsonNode problem = FakeProvider.JSON.readTree(res.body());
                if (problem.path("type").asText().startsWith(PRISM_ERRORS)) {
                    if (problem.path("validation").isArray()
                            && !problem.path("validation").isEmpty()) {
                        for (JsonNode v : problem.path("validation")) {
                            found.add(violation(method, path, status, v));
                        }
                    } else {
                        found.add(new PrismViolation(
                                provider,
                                method,
                                path,
                                status,
                                "request",
                                "Error",
                                problem.path("type").asText().substring(PRISM_ERRORS.length()),
                                problem.path("title").asText() + ": "
                                        + problem.path("detail").asText()));
                    }
                }
            } catch (IOException e) {
                found.add(new PrismViolation(
                        provider,
                        method,
                        path,
                        status,
                        "response",
                        "Error",
                        "unreadable",
                        "a problem+json answer that is not JSON"));
            }
        }
        if (!found.isEmpty()) {
            synchronized (this) {
                violations.addAll(found);
            }
            found.forEach(listener);
        }
    }

    private void readViolations(String method, String path, int status, String header, List<PrismViolation> into) {
        try {
            for (JsonNode v : FakeProvider.JSON.readTree(header)) {
                into.add(violation(method, path, status, v));
            }
        } catch (IOException e) {
            into.add(new PrismViolation(
                    provider,
                    method,
                    path,
                    status,
                    "response",
                    "Error",
                    "unreadable",
                    "an sl-violations header that is not JSON"));
        }
    }

    private PrismViolation violation(String method, String path, int status, JsonNode v) {
        List<String> location = new ArrayList<>();
        v.path("location").forEach(l -> location.add(l.asText()));
        return new PrismViolation(
                provider,
                method,
                path,
                status,
                String.join(".", location),
                v.path("severity").asText("Error"),
                v.path("code").asText(""),
                v.path("message").asText(""));
    }

    /** Where a start finds its next port. */
    @FunctionalInterface
    interface PortSource {
        int next() throws IOException;
    }
}
