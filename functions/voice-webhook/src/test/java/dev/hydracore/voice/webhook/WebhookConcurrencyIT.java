package dev.hydracore.voice.webhook;

import static dev.hydracore.voice.webhook.Deliveries.botBody;
import static dev.hydracore.voice.webhook.Deliveries.retellBody;
import static dev.hydracore.voice.webhook.Deliveries.twilioParams;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.auth.Principal;
import dev.hydracore.voice.core.calls.ActiveCallsAnswer;
import dev.hydracore.voice.core.calls.CallRecord;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.store.InboundAdmissions;
import dev.hydracore.voice.core.store.InstanceRecord;
import dev.hydracore.voice.core.store.TableLayout;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.testkit.TestChannels;
import dev.hydracore.voice.testkit.TestChannels.Channel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The webhook invariant under realistic delivery: many calls, each event delivered one or more
 * times, all shuffled together and sent from several threads at once through the handler, with
 * teardowns and re-setups racing them. Afterwards {@code active_calls} equals the number of active
 * call records plus the live Retell admissions (the Retell channel has a max_concurrent_calls, so
 * most of its calls are first admitted at call_inbound and claimed by their events; some are
 * admitted and never connect); in a teardown-free phase it also equals what the event history
 * implies, the list shows exactly those calls with their turn counts, and once the sweeper has
 * released the unclaimed admissions the counter is the active calls alone.
 */
class WebhookConcurrencyIT {
    static final long[] SEEDS = {1L, 7L, 42L, 20261125L, 987654321L};
    static final int CALLS = 40;
    static final int THREADS = 6;
    /** High enough never to refuse here (refusals have their own test, AdmissionLimitIT): admissions are what is mixed in. */
    static final OptionalLong RETELL_LIMIT = OptionalLong.of(1000);

    static TestAws aws;
    static TestChannels channels;
    static VoiceWebhookHandler webhook;
    static TestCaller caller;

    @BeforeAll
    static void setUp() {
        aws = TestAws.shared();
        channels = new TestChannels(aws);
        webhook = new VoiceWebhookHandler(
                aws.services(aws.settings().with(Settings.PIPECAT_STREAM_URL, "wss://bot.test.invalid/ws")));
        caller = aws.newCaller();
    }

    @Test
    void counterEqualsActiveRecordsForEverySeed() throws Exception {
        long started = System.nanoTime();
        for (long seed : SEEDS) {
            runSeed(seed);
        }
        // Reported, not asserted: a wall-clock bound would make the test flaky on a loaded machine.
        System.out.println("randomized webhook test: " + SEEDS.length + " seeds in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
    }

    private void runSeed(long seed) throws Exception {
        Random r = new Random(seed);
        Secrets secrets =
                new Secrets("key_" + UUID.randomUUID(), "tok_" + UUID.randomUUID(), "sec_" + UUID.randomUUID());
        String retellIid = aws.registerInstance(caller);
        String pipecatIid = aws.registerInstance(caller);
        AtomicReference<Channel> retell =
                new AtomicReference<>(channels.retell(caller, retellIid, secrets.apiKey(), RETELL_LIMIT));
        AtomicReference<Channel> pipecat = new AtomicReference<>(
                channels.pipecat(caller, pipecatIid, secrets.twilioToken(), secrets.webhookSecret()));

        // Phase 1: deliveries racing three teardown + re-setup cycles on each instance.
        List<PlannedCall> plan1 = new ArrayList<>();
        for (int i = 0; i < CALLS / 2; i++) {
            plan1.add(retellCall(r, retell.get(), "p1_" + i));
            plan1.add(pipecatCall(r, pipecat.get(), seed, 1, i));
        }
        Runnable chaos = () -> {
            Random cr = new Random(seed ^ 0x5DEECE66DL);
            for (int cycle = 0; cycle < 3; cycle++) {
                sleep(20 + cr.nextInt(80));
                Channel old = retell.get();
                channels.teardown(old.instanceId(), old.generation());
                retell.set(channels.retell(caller, retellIid, secrets.apiKey(), RETELL_LIMIT));
                sleep(10 + cr.nextInt(60));
                Channel oldP = pipecat.get();
                channels.teardown(oldP.instanceId(), oldP.generation());
                pipecat.set(channels.pipecat(caller, pipecatIid, secrets.twilioToken(), secrets.webhookSecret()));
            }
        };
        Map<Integer, Integer> statuses1 = deliver(r, plan1, chaos);
        assertTrue(
                Set.of(200, 404).containsAll(statuses1.keySet()),
                "seed " + seed + ": unexpected statuses " + statuses1);
        System.out.println("seed " + seed + " phase 1 statuses " + new TreeMap<>(statuses1));
        for (String iid : List.of(retellIid, pipecatIid)) {
            long counter = counter(iid);
            assertTrue(counter >= 0, "seed " + seed + ": negative counter");
            assertEquals(
                    activeRecords(iid) + liveAdmissions(iid),
                    counter,
                    "seed " + seed + ": active_calls != active call records + live admissions after teardown races ("
                            + iid + ")");
        }

        // Phase 2: a clean channel, no teardowns: the counter must equal what the events imply.
        channels.teardown(retellIid, retell.get().generation());
        channels.teardown(pipecatIid, pipecat.get().generation());
        retell.set(channels.retell(caller, retellIid, secrets.apiKey(), RETELL_LIMIT));
        pipecat.set(channels.pipecat(caller, pipecatIid, secrets.twilioToken(), secrets.webhookSecret()));
        List<PlannedCall> retellCalls = new ArrayList<>();
        List<PlannedCall> pipecatCalls = new ArrayList<>();
        for (int i = 0; i < CALLS / 2; i++) {
            retellCalls.add(retellCall(r, retell.get(), "p2_" + i));
            pipecatCalls.add(pipecatCall(r, pipecat.get(), seed, 2, i));
        }
        List<PlannedCall> plan2 = new ArrayList<>(retellCalls);
        plan2.addAll(pipecatCalls);
        Map<Integer, Integer> statuses2 = deliver(r, plan2, () -> {});
        assertEquals(Set.of(200), statuses2.keySet(), "seed " + seed + ": every delivery acknowledged " + statuses2);
        for (Map.Entry<String, List<PlannedCall>> e :
                Map.of(retellIid, retellCalls, pipecatIid, pipecatCalls).entrySet()) {
            String iid = e.getKey();
            Map<String, Integer> expected = new TreeMap<>();
            e.getValue().stream()
                    .filter(c -> !c.ends() && !c.events().isEmpty())
                    .forEach(c -> expected.put(c.callId(), c.turns()));
            long unclaimed =
                    e.getValue().stream().filter(c -> c.events().isEmpty()).count();
            assertEquals(unclaimed, liveAdmissions(iid), "seed " + seed + ": admissions no call claimed (" + iid + ")");
            assertEquals(
                    expected.size() + unclaimed,
                    counter(iid),
                    "seed " + seed + ": active_calls != calls the history leaves active + unclaimed admissions (" + iid
                            + ")");
            assertEquals(expected.size(), activeRecords(iid), "seed " + seed + ": active records (" + iid + ")");
            assertEquals(expected, listed(iid), "seed " + seed + ": listed calls and turns (" + iid + ")");
        }
        // The sweeper's release of unclaimed admissions (their window is over by then), concurrently with itself.
        InboundAdmissions admissions = aws.services().inboundAdmissions();
        List<InboundAdmissions.AdmissionKey> overdue = admissions.unclaimedBefore(Long.MAX_VALUE).stream()
                .filter(k -> k.instanceId().equals(retellIid))
                .toList();
        List<Thread> releasers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            releasers.add(Thread.ofPlatform().start(() -> overdue.forEach(admissions::release)));
        }
        for (Thread t : releasers) {
            t.join();
        }
        assertEquals(0, liveAdmissions(retellIid), "seed " + seed + ": every unclaimed admission released");
        assertEquals(
                activeRecords(retellIid),
                counter(retellIid),
                "seed " + seed + ": after the release, active_calls == active records");
        // Leave nothing behind for the next seed (keeps the emulator's table small).
        channels.teardown(retellIid, retell.get().generation());
        channels.teardown(pipecatIid, pipecat.get().generation());
    }

    /**
     * Retell: mostly admitted first at call_inbound (its events then carry the admission in their
     * metadata, as Retell sends back what the answer set); some of those never connect (no events:
     * the admission stays unclaimed). Then call_started, growing transcripts, maybe call_ended
     * (with the full transcript).
     */
    private static PlannedCall retellCall(Random r, Channel ch, String callId) throws Exception {
        String caller = "+1415555" + String.format("%04d", r.nextInt(10_000));
        String admission = null;
        if (r.nextInt(3) > 0) {
            HttpResponse answer = webhook.respond(Deliveries.retell(
                    ch,
                    "{\"event\":\"call_inbound\",\"call_inbound\":{\"from_number\":\"" + caller
                            + "\",\"to_number\":\"+14155550100\"}}"));
            admission = Json.MAPPER
                    .readTree(answer.body())
                    .at("/call_inbound/metadata/hydra_admission")
                    .asText(null);
            assertTrue(admission != null, answer.body());
            if (r.nextInt(5) == 0) {
                return new PlannedCall(callId, List.of(), false, 0);
            }
        }
        int turns = r.nextInt(5);
        boolean ends = r.nextInt(10) < 6;
        List<ObjectNode> events = new ArrayList<>();
        events.add(Deliveries.retell(ch, admitted(retellBody("call_started", callId, caller, 0), admission)));
        for (int t = 1; t <= turns; t++) {
            events.add(Deliveries.retell(ch, admitted(retellBody("transcript_updated", callId, caller, t), admission)));
        }
        if (ends) {
            events.add(Deliveries.retell(ch, admitted(retellBody("call_ended", callId, caller, turns), admission)));
            events.add(Deliveries.retell(ch, admitted(retellBody("call_analyzed", callId, caller, turns), admission)));
        }
        return new PlannedCall(callId, events, ends, turns);
    }

    /** The Retell event with {@code call.metadata.hydra_admission}, when the call was admitted. */
    private static String admitted(String event, String admission) throws Exception {
        if (admission == null) {
            return event;
        }
        ObjectNode root = (ObjectNode) Json.MAPPER.readTree(event);
        ((ObjectNode) root.get("call")).putObject("metadata").put("hydra_admission", admission);
        return root.toString();
    }

    /** Pipecat: Twilio's incoming call and callbacks plus the bot's events (one turn per event id), for one CallSid. */
    private static PlannedCall pipecatCall(Random r, Channel ch, long seed, int phase, int i) {
        String sid = String.format("CA%016x%08x%04x%04d", seed, phase, i, r.nextInt(10_000));
        String caller = "+1628555" + String.format("%04d", r.nextInt(10_000));
        int turns = r.nextInt(5);
        boolean ends = r.nextInt(10) < 6;
        List<ObjectNode> events = new ArrayList<>();
        events.add(Deliveries.twilio(ch, "", twilioParams(sid, caller, "ringing", false)));
        events.add(Deliveries.twilio(ch, "", twilioParams(sid, caller, "in-progress", true)));
        events.add(Deliveries.bot(ch, botBody("call.started", UUID.randomUUID().toString(), sid, caller)));
        for (int t = 0; t < turns; t++) {
            events.add(Deliveries.bot(ch, botBody("call.turn", UUID.randomUUID().toString(), sid, caller)));
        }
        if (ends) {
            events.add(
                    r.nextBoolean()
                            ? Deliveries.twilio(ch, "", twilioParams(sid, caller, "completed", true))
                            : Deliveries.bot(
                                    ch, botBody("call.ended", UUID.randomUUID().toString(), sid, caller)));
        }
        return new PlannedCall(sid, events, ends, turns);
    }

    /** Every event once or more, all shuffled together, sent by THREADS threads while {@code alongside} runs. */
    private static Map<Integer, Integer> deliver(Random r, List<PlannedCall> plan, Runnable alongside)
            throws Exception {
        List<ObjectNode> all = new ArrayList<>();
        for (PlannedCall c : plan) {
            for (ObjectNode e : c.events()) {
                int copies = 1 + (r.nextInt(3) == 0 ? 1 + r.nextInt(2) : 0);
                for (int k = 0; k < copies; k++) {
                    all.add(e);
                }
            }
        }
        Collections.shuffle(all, r);
        ConcurrentLinkedQueue<ObjectNode> queue = new ConcurrentLinkedQueue<>(all);
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                running.add(pool.submit(() -> {
                    go.await();
                    for (ObjectNode e; (e = queue.poll()) != null; ) {
                        HttpResponse resp = webhook.respond(e);
                        statuses.merge(resp.status(), 1, Integer::sum);
                    }
                    return null;
                }));
            }
            running.add(pool.submit(() -> {
                go.await();
                alongside.run();
                return null;
            }));
            go.countDown();
            for (Future<?> f : running) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return new HashMap<>(statuses);
    }

    /** Admission items of the channel's current generation (the ones its counter holds). */
    private static long liveAdmissions(String iid) {
        Map<String, AttributeValue> instance = aws.dynamo()
                .getItem(g -> g.tableName(aws.resources().tableName())
                        .key(TableLayout.instanceKey(iid))
                        .consistentRead(true))
                .item();
        String generation = TableLayout.str(instance, TableLayout.GENERATION);
        return aws
                .dynamo()
                .queryPaginator(q -> q.tableName(aws.resources().tableName())
                        .consistentRead(true)
                        .keyConditionExpression("pk = :pk AND begins_with(sk, :a)")
                        .expressionAttributeValues(Map.of(
                                ":pk",
                                TableLayout.s(TableLayout.INSTANCE_PREFIX + iid),
                                ":a",
                                TableLayout.s(TableLayout.ADMISSION_PREFIX))))
                .items()
                .stream()
                .filter(i -> generation != null && generation.equals(TableLayout.str(i, TableLayout.GENERATION)))
                .count();
    }

    private static long counter(String iid) {
        Map<String, AttributeValue> item = aws.dynamo()
                .getItem(g -> g.tableName(aws.resources().tableName())
                        .key(TableLayout.instanceKey(iid))
                        .consistentRead(true))
                .item();
        return TableLayout.num(item, TableLayout.ACTIVE_CALLS, 0);
    }

    /** Every call record in the sparse active-calls index of the instance, of any generation, all pages. */
    private static long activeRecords(String iid) {
        long n = 0;
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = aws.dynamo()
                    .query(q -> q.tableName(aws.resources().tableName())
                            .indexName(TableLayout.LSI_ACTIVE)
                            // Calls only: the instance item sits in the index too, at active_since 0.
                            .consistentRead(true)
                            .keyConditionExpression("pk = :pk AND active_since > :registration")
                            .expressionAttributeValues(Map.of(
                                    ":pk",
                                    TableLayout.s(TableLayout.INSTANCE_PREFIX + iid),
                                    ":registration",
                                    TableLayout.n(TableLayout.INSTANCE_ACTIVE_SINCE)))
                            .exclusiveStartKey(from));
            n += page.count();
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return n;
    }

    private static Map<String, Integer> listed(String iid) throws Exception {
        // What List Active Calls answers (its index read and body, from voice-core).
        InstanceRecord instance =
                aws.services().tenancy().requireOwned(new Principal(caller.tenantId(), caller.keyId()), iid);
        List<CallRecord> active = instance.channel()
                .map(c -> aws.services().activeCalls().activeCalls(iid, c.generation()))
                .orElse(List.of());
        Map<String, Integer> out = new TreeMap<>();
        for (JsonNode c : Json.MAPPER.readTree(
                ActiveCallsAnswer.toJson(active, aws.services().clock().millis()))) {
            out.put(c.path("call_id").asText(), c.path("transcript_turns").asInt());
        }
        return out;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One call's events and what they imply. */
    record PlannedCall(String callId, List<ObjectNode> events, boolean ends, int turns) {}

    /** A channel's fixed secrets, so a re-setup signs the same way. */
    record Secrets(String apiKey, String twilioToken, String webhookSecret) {}
}
