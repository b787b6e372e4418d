package dev.hydracore.voice.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hydracore.voice.core.Json;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A loopback HTTP proxy between code under test and the emulator (moto or MiniStack), for faults
 * no emulator makes: counts AWS calls by {@code X-Amz-Target}, and per operation injects a
 * {@link Fault} — scripted ({@link #next}: the next matching calls, in order), at random from a
 * seed ({@link #atRandom}: the same seed, the same sequence of decisions) or dealt in exact
 * proportions ({@link #dealt}). It serves calls
 * concurrently, can hold each one before forwarding it, records how many were in flight at once,
 * and records every request it saw with its {@code ClientRequestToken} and the fault it got
 * ({@link #seen}). Everything not faulted reaches the emulator unchanged.
 */
public final class AwsProxy implements AutoCloseable {
    public static final String TRANSACT_WRITE_ITEMS = "DynamoDB_20120810.TransactWriteItems";
    public static final String PUT_ITEM = "DynamoDB_20120810.PutItem";
    public static final String UPDATE_ITEM = "DynamoDB_20120810.UpdateItem";
    public static final String DELETE_ITEM = "DynamoDB_20120810.DeleteItem";
    private static final Set<String> RESTRICTED = Set.of("host", "connection", "content-length", "expect", "upgrade");
    private static final String AWS_JSON = "application/x-amz-json-1.0";

    private final HttpServer server;
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URI target;
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final Map<String, String> failWith = new ConcurrentHashMap<>();
    private final Map<String, Deque<Scripted>> scripts = new ConcurrentHashMap<>();
    private final Map<String, Map<Fault, Double>> chances = new ConcurrentHashMap<>();
    private final Map<String, Deck> decks = new ConcurrentHashMap<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private SplittableRandom random = new SplittableRandom(0);
    private volatile long holdMillis;
    private volatile long holdPastTimeoutMillis = 6_000;

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
        failWith.put(target, awsJsonError);
        return this;
    }

    /** The next calls of {@code operation} get these faults, one each, in order (then the random plan, if any). */
    public AwsProxy next(String operation, Fault... faults) {
        return nextMatching(operation, body -> true, faults);
    }

    /** As {@link #next}, counting only calls whose request body satisfies {@code body} (e.g. names a key). */
    public AwsProxy nextMatching(String operation, Predicate<String> body, Fault... faults) {
        Deque<Scripted> q = scripts.computeIfAbsent(operation, k -> new ArrayDeque<>());
        synchronized (q) {
            for (Fault f : faults) {
                q.add(new Scripted(f, body));
            }
        }
        return this;
    }

    /**
     * Each call of {@code operation} gets at most one of these faults, drawn with these chances
     * (their sum at most 1) from a generator seeded by {@link #seed}.
     */
    public AwsProxy atRandom(String operation, Map<Fault, Double> faultChances) {
        double sum =
                faultChances.values().stream().mapToDouble(Double::doubleValue).sum();
        if (sum > 1.0) {
            throw new IllegalArgumentException("chances sum to more than 1: " + sum);
        }
        chances.put(operation, new EnumMap<>(faultChances));
        return this;
    }

    /**
     * Each run of {@code size} consecutive calls of {@code operation} gets exactly these faults
     * ({@code counts}: how many of each), in an order shuffled by the generator {@link #seed}
     * seeds: the proportions hold over every full run whatever the timing, so a test can assert
     * them (with {@link #atRandom}, a seed fixes the draws but not which concurrent call gets each).
     */
    public AwsProxy dealt(String operation, int size, Map<Fault, Integer> counts) {
        List<Fault> cards = new ArrayList<>(size);
        counts.forEach((f, n) -> {
            for (int i = 0; i < n; i++) {
                cards.add(f);
            }
        });
        if (cards.size() > size) {
            throw new IllegalArgumentException("more faults than calls: " + counts + " in " + size);
        }
        while (cards.size() < size) {
            cards.add(null);
        }
        decks.put(operation, new Deck(cards));
        return this;
    }

    /** Restarts the random plan's generator: with one thread calling, the same seed gives the same faults. */
    public synchronized AwsProxy seed(long seed) {
        this.random = new SplittableRandom(seed);
        return this;
    }

    /** No more faults: scripts, random plans and {@link #failWith} answers are dropped. */
    public AwsProxy clearFaults() {
        scripts.clear();
        chances.clear();
        decks.clear();
        failWith.clear();
        return this;
    }

    /** How long {@link Fault#HOLD_PAST_TIMEOUT} holds a call before forwarding it (default 6 s: the SDK's read timeout is 5 s). */
    public AwsProxy holdPastTimeout(Duration hold) {
        this.holdPastTimeoutMillis = hold.toMillis();
        return this;
    }

    /** Calls seen, by operation (faulted ones included). */
    public Map<String, Integer> counts() {
        Map<String, Integer> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Every request since the last {@link #reset()}, in arrival order. */
    public List<Seen> seen() {
        return List.copyOf(seen);
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
        seen.clear();
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
            String text = new String(body, StandardCharsets.UTF_8);
            Optional<Fault> fault = decide(name, text);
            seen.add(new Seen(name, token(text), fault));
            String canned = failWith.get(name);
            if (canned != null) {
                answer(ex, 400, canned);
                return;
            }
            if (fault.isPresent()) {
                switch (fault.get()) {
                    case RESET_BEFORE_FORWARD -> {
                        return; // closing the exchange unanswered closes the connection: nothing reached the emulator
                    }
                    case DROP_ANSWER -> {
                        send(ex, body);
                        return; // forwarded and committed; the connection closes without the answer
                    }
                    case HOLD_PAST_TIMEOUT -> Thread.sleep(holdPastTimeoutMillis);
                    case NEW_TOKEN -> body = withFreshToken(text).getBytes(StandardCharsets.UTF_8);
                    default -> {
                        answer(ex, fault.get().status, fault.get().body(text));
                        return;
                    }
                }
            }
            HttpResponse<byte[]> r = send(ex, body);
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
        } catch (IOException e) {
            // The client gave up first (a held call past its timeout): nothing to answer.
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private Optional<Fault> decide(String operation, String body) {
        Deque<Scripted> q = scripts.get(operation);
        if (q != null) {
            synchronized (q) {
                for (var it = q.iterator(); it.hasNext(); ) {
                    Scripted s = it.next();
                    if (s.matches().test(body)) {
                        it.remove();
                        return Optional.of(s.fault());
                    }
                }
            }
        }
        Deck deck = decks.get(operation);
        if (deck != null) {
            return deck.deal();
        }
        Map<Fault, Double> plan = chances.get(operation);
        if (plan == null) {
            return Optional.empty();
        }
        double draw;
        synchronized (this) {
            draw = random.nextDouble();
        }
        double upTo = 0;
        for (var e : plan.entrySet()) {
            upTo += e.getValue();
            if (draw < upTo) {
                return Optional.of(e.getKey());
            }
        }
        return Optional.empty();
    }

    private HttpResponse<byte[]> send(HttpExchange ex, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        target.resolve(ex.getRequestURI().toString()))
                .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        ex.getRequestHeaders().forEach((h, values) -> {
            if (!RESTRICTED.contains(h.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> b.header(h, v));
            }
        });
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void answer(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", AWS_JSON);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    /** The request with its ClientRequestToken (if any) replaced by a fresh one, everything else as sent. */
    private static String withFreshToken(String body) {
        JsonNode root = readTree(body);
        if (!(root instanceof ObjectNode o) || !o.path("ClientRequestToken").isTextual()) {
            return body;
        }
        o.put("ClientRequestToken", UUID.randomUUID().toString());
        return o.toString();
    }

    private static Optional<String> token(String body) {
        JsonNode t = readTree(body).path("ClientRequestToken");
        return t.isTextual() ? Optional.of(t.asText()) : Optional.empty();
    }

    private static JsonNode readTree(String body) {
        try {
            return Json.MAPPER.readTree(body.isEmpty() ? "{}" : body);
        } catch (IOException e) {
            return Json.MAPPER.createObjectNode();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** What a call can be made to suffer, each as DynamoDB (or the network) does it. */
    public enum Fault {
        /** Forwarded (so committed), then the connection closes before the answer: a lost answer. */
        DROP_ANSWER(0, null),
        /** The connection closes before anything is forwarded: not committed. */
        RESET_BEFORE_FORWARD(0, null),
        /** Held past the client's read timeout ({@link #holdPastTimeout}), then forwarded. */
        HOLD_PAST_TIMEOUT(0, null),
        /**
         * Forwarded with its {@code ClientRequestToken} replaced by a fresh one: the emulator executes
         * it as a new request, as DynamoDB does a retry once the token's 10 minutes have passed (and moto
         * every retry), where MiniStack would replay the first success. For a retry after
         * {@link #DROP_ANSWER}: the retry meets our own committed write on either emulator.
         */
        NEW_TOKEN(0, null),
        /** TransactWriteItems cancelled: the last item (the counter, in our transactions) conflicted. */
        TRANSACTION_CONFLICT(400, "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"),
        PROVISIONED_THROUGHPUT_EXCEEDED(400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"),
        THROTTLING(400, "com.amazon.coral.availability#ThrottlingException"),
        INTERNAL_SERVER_ERROR(500, "com.amazonaws.dynamodb.v20120810#InternalServerError");

        private final int status;
        private final String type;

        Fault(int status, String type) {
            this.status = status;
            this.type = type;
        }

        /** DynamoDB's own error body for this fault and request. */
        String body(String request) {
            if (this != TRANSACTION_CONFLICT) {
                String message = switch (this) {
                    case PROVISIONED_THROUGHPUT_EXCEEDED ->
                        "The level of configured provisioned throughput for the table was exceeded."
                                + " Consider increasing your provisioning level with the UpdateTable API.";
                    case THROTTLING -> "Rate of requests exceeds the allowed throughput.";
                    default -> "Internal server error";
                };
                return Json.MAPPER
                        .createObjectNode()
                        .put("__type", type)
                        .put("message", message)
                        .toString();
            }
            int items = Math.max(1, readTree(request).path("TransactItems").size());
            var root = Json.MAPPER.createObjectNode();
            root.put("__type", type);
            List<String> codes = new ArrayList<>();
            var reasons = root.putArray("CancellationReasons");
            for (int i = 0; i < items; i++) {
                boolean conflicted = i == items - 1;
                codes.add(conflicted ? "TransactionConflict" : "None");
                var r = reasons.addObject().put("Code", conflicted ? "TransactionConflict" : "None");
                if (conflicted) {
                    r.put("Message", "Transaction is ongoing for the item");
                }
            }
            root.put(
                    "message",
                    "Transaction cancelled, please refer cancellation reasons for specific reasons " + codes);
            return root.toString();
        }
    }

    /** One request the proxy saw: its operation, its {@code ClientRequestToken} if any, and its fault if any. */
    public record Seen(String operation, Optional<String> token, Optional<Fault> fault) {}

    private record Scripted(Fault fault, Predicate<String> matches) {}

    /** The cards of one {@link #dealt} plan (null: no fault), reshuffled whenever all have been dealt. */
    private final class Deck {
        private final List<Fault> cards;
        private int next;

        Deck(List<Fault> cards) {
            this.cards = cards;
            this.next = cards.size();
        }

        synchronized Optional<Fault> deal() {
            if (next == cards.size()) {
                synchronized (AwsProxy.this) {
                    for (int i = cards.size() - 1; i > 0; i--) {
                        Collections.swap(cards, i, random.nextInt(i + 1));
                    }
                }
                next = 0;
            }
            return Optional.ofNullable(cards.get(next++));
        }
    }
}
