package dev.hydracore.voice.webhook;

import static dev.hydracore.voice.webhook.Deliveries.botBody;
import static dev.hydracore.voice.webhook.Deliveries.retellBody;
import static dev.hydracore.voice.webhook.Deliveries.twilioParams;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.calls.CallRecord;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.store.CallItems;
import dev.hydracore.voice.core.store.InboundAdmissions;
import dev.hydracore.voice.core.store.TableLayout;
import dev.hydracore.voice.core.webhook.TwimlAnswer;
import dev.hydracore.voice.sweeper.SweeperHandler;
import dev.hydracore.voice.testkit.AwsProxy;
import dev.hydracore.voice.testkit.AwsProxy.Fault;
import dev.hydracore.voice.testkit.AwsRequestRecorder;
import dev.hydracore.voice.testkit.TestChannels.Channel;
import dev.hydracore.voice.testkit.TestClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The webhook invariant under DynamoDB's own failures: the concurrency test's shape (seeds × calls
 * × threads, every event delivered 1–3 times, shuffled) through the fault proxy, which loses the
 * answer of more than a fifth of the transactions after they committed and conflicts or throttles
 * more than a tenth, with admissions at a limit (Twilio rings and Retell call_inbound, all at once, more than
 * the limit, on several channels per seed: each channel's last place is one race). Every 503 is redelivered, as Retell and Twilio retry. After quiescence:
 * {@code active_calls} equals the live records plus live admissions, and after a sweeper run
 * ({@code SweeperHandler}'s sweep, its clock past the claim window) the calls whose last event is not an end; every call has one record with the right
 * state and turns; no call answered busy holds a place; no delivery was lost.
 */
class WebhookChaosIT {
    static final long[] SEEDS = {3L, 42L, 20261202L};
    /** Calls offered per channel and seed; more than the limit, so some are refused. */
    static final int CALLS = 5;

    static final long LIMIT = 3;
    /** Channels of each provider per seed: each is one race for its last place. */
    static final int CHANNELS = 4;

    static final int THREADS = 6;
    /** A provider's redeliveries of one event before it gives up (Retell retries, Twilio's fallback): never reached here. */
    static final int MAX_DELIVERIES = 12;

    /**
     * Dealt to every run of {@link #TRANSACTION_DECK} transactions: 28 % lost after commit, 16 %
     * conflicted or throttled, 4 % reset, and 16 % sent on with a fresh {@code ClientRequestToken}
     * (the SDK's retry of a lost answer that draws it is a new request to the emulator: MiniStack,
     * which replays a same-token retry as DynamoDB does, then re-executes it as moto always does, so
     * the stores' own recognition of their write is exercised on both). Dealt, not drawn, so every
     * seed has at least 24 % and 13 % of its 120 or more transactions whatever the threads' timing:
     * its ≥ 20 % and ≥ 10 % hold.
     */
    static final Map<Fault, Integer> TRANSACTION_FAULTS = Map.of(
            Fault.DROP_ANSWER, 7,
            Fault.TRANSACTION_CONFLICT, 2,
            Fault.PROVISIONED_THROUGHPUT_EXCEEDED, 1,
            Fault.THROTTLING, 1,
            Fault.RESET_BEFORE_FORWARD, 1,
            Fault.NEW_TOKEN, 4);

    static final int TRANSACTION_DECK = 25;

    static final Map<Fault, Double> READ_FAULTS = Map.of(
            Fault.DROP_ANSWER, 0.04, Fault.PROVISIONED_THROUGHPUT_EXCEEDED, 0.03, Fault.INTERNAL_SERVER_ERROR, 0.02);

    static ThroughProxy t;

    @BeforeAll
    static void setUp() throws Exception {
        t = ThroughProxy.withWebhookRetries();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void countsStayExactUnderLostAnswersConflictsAndThrottles() throws Exception {
        long started = System.nanoTime();
        for (long seed : SEEDS) {
            runSeed(seed);
        }
        System.out.println("chaos webhook test: " + SEEDS.length + " seeds in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
    }

    private void runSeed(long seed) throws Exception {
        Random r = new Random(seed);
        List<Channel> retells = new ArrayList<>();
        List<Channel> pipecats = new ArrayList<>();
        for (int k = 0; k < CHANNELS; k++) {
            retells.add(t.channels.retell(
                    t.caller, t.aws.registerInstance(t.caller), "key_" + UUID.randomUUID(), OptionalLong.of(LIMIT)));
            pipecats.add(t.channels.pipecat(
                    t.caller,
                    t.aws.registerInstance(t.caller),
                    "tok_" + UUID.randomUUID(),
                    "sec_" + UUID.randomUUID(),
                    OptionalLong.of(LIMIT)));
        }
        t.proxy.reset();
        t.proxy.clearFaults().seed(seed);
        t.proxy.dealt(AwsProxy.TRANSACT_WRITE_ITEMS, TRANSACTION_DECK, TRANSACTION_FAULTS);
        t.proxy.atRandom("DynamoDB_20120810.BatchGetItem", READ_FAULTS);
        t.proxy.atRandom("DynamoDB_20120810.GetItem", READ_FAULTS);

        // Stage 1: every admission at once, each delivered 1-3 times: Twilio rings and Retell's call_inbound,
        // more than each channel's limit, so every channel's last place is taken by a write that may lose its answer.
        List<Admission> offered = new ArrayList<>();
        for (int k = 0; k < CHANNELS; k++) {
            for (int i = 0; i < CALLS; i++) {
                String sid = String.format("CA%016x%02d%02d%012d", seed, k, i, r.nextInt(1_000_000));
                String from = "+1628555" + String.format("%04d", r.nextInt(10_000));
                offered.add(new Admission(
                        pipecats.get(k),
                        sid,
                        Deliveries.twilio(pipecats.get(k), "", twilioParams(sid, from, "ringing", false))));
                offered.add(new Admission(
                        retells.get(k),
                        "call_" + seed + "_" + k + "_" + i,
                        Deliveries.retell(retells.get(k), AdmissionLimitIT.inboundBody(from))));
            }
        }
        Map<ObjectNode, List<HttpResponse>> admissionAnswers = deliverAll(r, offered, Admission::delivery);
        Map<String, String> retellAdmission = new TreeMap<>();
        Map<String, List<String>> twilioAdmitted = new TreeMap<>();
        Map<String, Integer> admittedAnswers = new TreeMap<>();
        Map<String, Integer> unavailable = new TreeMap<>();
        for (Admission a : offered) {
            String iid = a.channel().instanceId();
            List<HttpResponse> all = admissionAnswers.get(a.delivery());
            List<HttpResponse> answers =
                    all.stream().filter(x -> x.status() == 200).toList();
            unavailable.merge(iid, all.size() - answers.size(), Integer::sum);
            if (pipecats.contains(a.channel())) {
                long busy = answers.stream()
                        .filter(x -> x.body().equals(TwimlAnswer.REJECT_BUSY))
                        .count();
                assertTrue(
                        busy == 0 || busy == answers.size(),
                        "seed " + seed + ": a ring answered both busy and connected: " + a.callId());
                if (busy == 0) {
                    answers.forEach(x -> assertTrue(x.body().contains("<Connect>"), x.body()));
                    twilioAdmitted.computeIfAbsent(iid, x -> new ArrayList<>()).add(a.callId());
                }
            } else {
                for (HttpResponse x : answers) {
                    if (Json.MAPPER.readTree(x.body()).path("call_inbound").has("override_agent_id")) {
                        admittedAnswers.merge(iid, 1, Integer::sum);
                    }
                }
                // Each delivery of call_inbound is a new admission to Retell; the call uses the last answer's.
                JsonNode last = Json.MAPPER
                        .readTree(answers.get(answers.size() - 1).body())
                        .path("call_inbound");
                if (last.has("override_agent_id")) {
                    retellAdmission.put(
                            a.callId(),
                            last.path("metadata").path("hydra_admission").asText());
                }
            }
        }
        for (Channel ch : pipecats) {
            List<String> admitted = twilioAdmitted.getOrDefault(ch.instanceId(), List.of());
            assertEquals(LIMIT, admitted.size(), "seed " + seed + ": Twilio rings admitted up to the limit");
            assertEquals(
                    admitted.stream().sorted().toList(),
                    List.copyOf(callRecords(ch.instanceId()).keySet()),
                    "seed " + seed + ": a record for each connected ring, none for a call answered busy");
        }
        for (Channel ch : retells) {
            String iid = ch.instanceId();
            long live = liveAdmissions(iid);
            int admitted = admittedAnswers.getOrDefault(iid, 0);
            // An admission whose every answer was lost is a 503 (Retell asks again): the only admission no answer
            // names.
            assertTrue(
                    live >= admitted && live - admitted <= unavailable.getOrDefault(iid, 0),
                    "seed " + seed + ": " + live + " admissions for " + admitted + " admitting answers and "
                            + unavailable.getOrDefault(iid, 0) + " 503s: a declined call holds a place (" + iid + ")");
            assertEquals(live, AdmissionLimitIT.counter(iid), "seed " + seed + ": admissions counted once");
        }

        // Stage 2: the admitted calls' events, each 1-3 times, shuffled together; some Retell admissions never connect.
        List<PlannedCall> calls = new ArrayList<>();
        for (Channel ch : pipecats) {
            for (String sid : twilioAdmitted.getOrDefault(ch.instanceId(), List.of())) {
                calls.add(pipecatCall(r, ch, sid));
            }
        }
        for (Admission a : offered) {
            String admission = retellAdmission.get(a.callId());
            if (admission != null) {
                calls.add(
                        r.nextInt(6) == 0
                                ? new PlannedCall(a.channel().instanceId(), a.callId(), List.of(), false, 0)
                                : retellCall(r, a.channel(), a.callId(), admission));
            }
        }
        List<ObjectNode> events = new ArrayList<>();
        calls.forEach(c -> events.addAll(c.events()));
        deliverAll(r, events, Function.identity());

        List<Channel> every = new ArrayList<>(retells);
        every.addAll(pipecats);
        for (Channel ch : every) {
            String iid = ch.instanceId();
            List<PlannedCall> mine = calls.stream()
                    .filter(c -> !c.events().isEmpty() && c.instanceId().equals(iid))
                    .toList();
            assertEquals(
                    activeRecords(iid) + liveAdmissions(iid),
                    AdmissionLimitIT.counter(iid),
                    "seed " + seed + ": active_calls != active records + live admissions (" + iid + ")");
            Map<String, CallRecord> records = callRecords(iid);
            assertEquals(
                    mine.stream().map(PlannedCall::callId).sorted().toList(),
                    List.copyOf(records.keySet()),
                    "seed " + seed + ": exactly one record per call that had events (" + iid + ")");
            for (PlannedCall c : mine) {
                CallRecord record = records.get(c.callId());
                assertEquals(
                        !c.ends(),
                        record.state().active(),
                        "seed " + seed + ": state of " + c.callId() + " is " + record.state() + ", ends=" + c.ends());
                if (!c.ends()) {
                    // An ended call's turns depend on whether its end came before them (as without faults).
                    assertEquals(c.turns(), record.turns(), "seed " + seed + ": turns of " + c.callId());
                }
            }
        }

        // The sweeper's own sweep, its clock past the claim window, releases every unclaimed admission
        // (never-connected calls, and those a redelivered call_inbound left behind): then the counter is the
        // calls whose last event is not an end.
        t.proxy.clearFaults();
        long unclaimed =
                every.stream().mapToLong(ch -> liveAdmissions(ch.instanceId())).sum();
        TestClock later =
                new TestClock(Instant.now().plus(InboundAdmissions.CLAIM_WINDOW).plusSeconds(1));
        // The sweeper's requests are its own function's (its module's tests record them), not the webhook's.
        SweeperHandler.Summary swept =
                AwsRequestRecorder.fixture(() -> new SweeperHandler(t.aws.services(t.aws.settings(), later)).sweep());
        assertEquals(0, swept.contended(), "seed " + seed + ": " + swept);
        // Other test classes' leftovers in the shared emulator are released too: at least this run's.
        assertTrue(swept.admissionsReleased() >= unclaimed, "seed " + seed + ": " + unclaimed + " unclaimed, " + swept);
        for (Channel ch : every) {
            long open = calls.stream()
                    .filter(c -> !c.events().isEmpty() && c.instanceId().equals(ch.instanceId()) && !c.ends())
                    .count();
            assertEquals(0, liveAdmissions(ch.instanceId()), "seed " + seed + ": admissions released");
            assertEquals(open, AdmissionLimitIT.counter(ch.instanceId()), "seed " + seed + ": open calls");
            assertEquals(open, activeRecords(ch.instanceId()), "seed " + seed + ": active records");
        }
        Map<String, Long> faults = new TreeMap<>();
        t.proxy.seen().stream()
                .filter(s -> s.operation().equals(AwsProxy.TRANSACT_WRITE_ITEMS))
                .forEach(s -> faults.merge(s.fault().map(Fault::name).orElse("none"), 1L, Long::sum));
        long transactions = faults.values().stream().mapToLong(Long::longValue).sum();
        System.out.println("seed " + seed + ": " + transactions + " transactions through the proxy, faults " + faults);
        long lost = faults.getOrDefault(Fault.DROP_ANSWER.name(), 0L);
        long refused = faults.getOrDefault(Fault.TRANSACTION_CONFLICT.name(), 0L)
                + faults.getOrDefault(Fault.PROVISIONED_THROUGHPUT_EXCEEDED.name(), 0L)
                + faults.getOrDefault(Fault.THROTTLING.name(), 0L);
        assertTrue(lost * 100 >= transactions * 20, "seed " + seed + ": lost answers were injected: " + faults);
        assertTrue(
                refused * 100 >= transactions * 10,
                "seed " + seed + ": conflicts and throttles were injected: " + faults);
        for (Channel ch : every) {
            t.channels.teardown(ch.instanceId(), ch.generation());
        }
    }

    private static PlannedCall retellCall(Random r, Channel ch, String callId, String admission) {
        String from = "+1415555" + String.format("%04d", r.nextInt(10_000));
        int turns = r.nextInt(4);
        boolean ends = r.nextBoolean();
        List<ObjectNode> events = new ArrayList<>();
        events.add(Deliveries.retell(ch, admitted(retellBody("call_started", callId, from, 0), admission)));
        for (int t = 1; t <= turns; t++) {
            events.add(Deliveries.retell(ch, admitted(retellBody("transcript_updated", callId, from, t), admission)));
        }
        if (ends) {
            events.add(Deliveries.retell(ch, admitted(retellBody("call_ended", callId, from, turns), admission)));
        }
        return new PlannedCall(ch.instanceId(), callId, events, ends, turns);
    }

    private static PlannedCall pipecatCall(Random r, Channel ch, String sid) {
        String from = "+1628555" + String.format("%04d", r.nextInt(10_000));
        int turns = r.nextInt(4);
        boolean ends = r.nextBoolean();
        List<ObjectNode> events = new ArrayList<>();
        events.add(Deliveries.twilio(ch, "", twilioParams(sid, from, "in-progress", true)));
        events.add(Deliveries.bot(ch, botBody("call.started", UUID.randomUUID().toString(), sid, from)));
        for (int t = 0; t < turns; t++) {
            events.add(Deliveries.bot(ch, botBody("call.turn", UUID.randomUUID().toString(), sid, from)));
        }
        if (ends) {
            events.add(Deliveries.twilio(ch, "", twilioParams(sid, from, "completed", true)));
        }
        return new PlannedCall(ch.instanceId(), sid, events, ends, turns);
    }

    private static String admitted(String event, String admission) {
        try {
            ObjectNode root = (ObjectNode) Json.MAPPER.readTree(event);
            ((ObjectNode) root.get("call")).putObject("metadata").put("hydra_admission", admission);
            return root.toString();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Every item delivered 1-3 times, all shuffled, from THREADS threads; a 5xx is delivered again
     * (after a short pause) until acknowledged, as the providers retry. Returns each delivery's answers.
     */
    private static <T> Map<ObjectNode, List<HttpResponse>> deliverAll(
            Random r, List<T> items, Function<T, ObjectNode> delivery) throws Exception {
        List<ObjectNode> all = new ArrayList<>();
        for (T item : items) {
            int copies = 1 + r.nextInt(3);
            for (int k = 0; k < copies; k++) {
                all.add(delivery.apply(item));
            }
        }
        Collections.shuffle(all, r);
        ConcurrentLinkedQueue<ObjectNode> queue = new ConcurrentLinkedQueue<>(all);
        Map<ObjectNode, List<HttpResponse>> answers = new ConcurrentHashMap<>();
        AtomicInteger lost = new AtomicInteger();
        AtomicInteger redelivered = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int thread = 0; thread < THREADS; thread++) {
                running.add(pool.submit(() -> {
                    go.await();
                    for (ObjectNode e; (e = queue.poll()) != null; ) {
                        List<HttpResponse> mine =
                                answers.computeIfAbsent(e, k -> Collections.synchronizedList(new ArrayList<>()));
                        HttpResponse resp = t.webhook.respond(e);
                        for (int n = 1; resp.status() >= 500 && n < MAX_DELIVERIES; n++) {
                            assertEquals(503, resp.status(), resp.body());
                            assertTrue(resp.headers().containsKey("retry-after"), "503 with Retry-After");
                            mine.add(resp);
                            redelivered.incrementAndGet();
                            Thread.sleep(20);
                            resp = t.webhook.respond(e);
                        }
                        if (resp.status() >= 500) {
                            lost.incrementAndGet();
                        }
                        assertEquals(200, resp.status(), resp.body());
                        mine.add(resp);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : running) {
                f.get(180, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, lost.get(), "deliveries given up on");
        System.out.println(
                "chaos delivery: " + all.size() + " deliveries, " + redelivered.get() + " redelivered after a 503");
        return answers;
    }

    /** The instance's call records by call id (no turn markers, no admissions), sorted. */
    private static Map<String, CallRecord> callRecords(String iid) {
        Map<String, CallRecord> out = new TreeMap<>();
        for (Map<String, AttributeValue> item : AdmissionLimitIT.items(iid, TableLayout.CALL_PREFIX)) {
            String sk = TableLayout.str(item, TableLayout.SK);
            if (!sk.startsWith(TableLayout.ADMISSION_PREFIX) && !sk.contains(TableLayout.TURN_MARKER_INFIX)) {
                CallRecord c = CallItems.fromItem(item);
                assertTrue(out.put(c.callId(), c) == null, "two records for " + c.callId());
            }
        }
        return out;
    }

    private static long liveAdmissions(String iid) {
        String generation = TableLayout.str(
                t.aws.dynamo()
                        .getItem(g -> g.tableName(t.aws.resources().tableName())
                                .key(TableLayout.instanceKey(iid))
                                .consistentRead(true))
                        .item(),
                TableLayout.GENERATION);
        return AdmissionLimitIT.items(iid, TableLayout.ADMISSION_PREFIX).stream()
                .filter(i -> generation != null && generation.equals(TableLayout.str(i, TableLayout.GENERATION)))
                .count();
    }

    private static long activeRecords(String iid) {
        return t
                .aws
                .dynamo()
                .queryPaginator(q -> q.tableName(t.aws.resources().tableName())
                        .indexName(TableLayout.LSI_ACTIVE)
                        .consistentRead(true)
                        .keyConditionExpression("pk = :pk AND active_since > :registration")
                        .expressionAttributeValues(Map.of(
                                ":pk",
                                TableLayout.s(TableLayout.INSTANCE_PREFIX + iid),
                                ":registration",
                                TableLayout.n(TableLayout.INSTANCE_ACTIVE_SINCE))))
                .items()
                .stream()
                .count();
    }

    /** One offered call's admitting delivery (a Twilio ring or a Retell call_inbound). */
    record Admission(Channel channel, String callId, ObjectNode delivery) {}

    /** One admitted call's events and what they imply. */
    record PlannedCall(String instanceId, String callId, List<ObjectNode> events, boolean ends, int turns) {}
}
