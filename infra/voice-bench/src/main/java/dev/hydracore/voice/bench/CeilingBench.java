package dev.hydracore.voice.bench;

import dev.hydracore.voice.core.aws.RetryPolicy;
import dev.hydracore.voice.core.calls.CallEvent;
import dev.hydracore.voice.core.calls.CallState;
import dev.hydracore.voice.core.store.CallTransitions;
import dev.hydracore.voice.core.store.TableLayout;
import dev.hydracore.voice.testkit.AwsProxy;
import dev.hydracore.voice.testkit.AwsProxy.Fault;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestChannels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./hydra bench --ceiling [--threads N] [--seconds S] [--conflict-rate R]}: how many call
 * events one instance takes per second, all of them writing its single {@code active_calls}
 * counter item. N threads each start a call and end it, again and again, for S seconds, through the
 * webhook's own transitions ({@link CallTransitions}: consistent read, then the transaction) and
 * the webhook's {@link RetryPolicy}, with the fault proxy answering a share R of the transactions
 * with DynamoDB's {@code TransactionConflict} (on top of the emulator's own conflicts between the
 * threads). Prints events/s, p50/p99 latency per event, transactions per event, failures, and
 * checks the counter is back to 0. On MiniStack by default (it serialises transactions as DynamoDB
 * does); the figures of a loaded machine are not the ceiling on AWS: README and docs/retries.md.
 */
final class CeilingBench {
    private final int threads;
    private final int seconds;
    private final double conflictRate;

    CeilingBench(int threads, int seconds, double conflictRate) {
        this.threads = threads;
        this.seconds = seconds;
        this.conflictRate = conflictRate;
    }

    static int main(List<String> args) throws Exception {
        int threads = 8;
        int seconds = 20;
        double rate = 0.02;
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--ceiling" -> {}
                case "--threads" -> threads = Integer.parseInt(args.get(++i));
                case "--seconds" -> seconds = Integer.parseInt(args.get(++i));
                case "--conflict-rate" -> rate = Double.parseDouble(args.get(++i));
                default ->
                    throw new IllegalArgumentException("unknown option " + args.get(i)
                            + " (usage: bench --ceiling [--threads N] [--seconds S] [--conflict-rate R])");
            }
        }
        if (threads < 1 || seconds < 1 || rate < 0 || rate > 0.5) {
            throw new IllegalArgumentException("--threads and --seconds positive, --conflict-rate in [0, 0.5]");
        }
        System.out.print(new CeilingBench(threads, seconds, rate).run().table());
        return 0;
    }

    Result run() throws Exception {
        System.err.println("ceiling: starting the emulator");
        TestAws aws = TestAws.shared();
        TestAws.TestCaller caller = aws.newCaller();
        String instanceId = aws.registerInstance(caller);
        new TestChannels(aws)
                .pipecat(
                        caller,
                        instanceId,
                        "tok_" + UUID.randomUUID(),
                        "sec_" + UUID.randomUUID(),
                        OptionalLong.empty());
        try (AwsProxy proxy = new AwsProxy(aws.aws().endpoint())) {
            proxy.seed(1).atRandom(AwsProxy.TRANSACT_WRITE_ITEMS, Map.of(Fault.TRANSACTION_CONFLICT, conflictRate));
            CallTransitions calls = aws.servicesVia(proxy.endpoint(), aws.settings(), RetryPolicy.WEBHOOK)
                    .callTransitions();
            System.err.println("ceiling: " + threads + " threads for " + seconds + " s at one instance");
            long[][] latencies = new long[threads][];
            AtomicLong failures = new AtomicLong();
            AtomicLong events = new AtomicLong();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long started = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<long[]>> running = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    running.add(pool.submit(() -> drive(calls, instanceId, deadline, events, failures)));
                }
                for (int t = 0; t < threads; t++) {
                    latencies[t] = running.get(t).get(seconds + 120L, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            double elapsed = (System.nanoTime() - started) / 1e9;
            long[] all = Arrays.stream(latencies)
                    .flatMapToLong(Arrays::stream)
                    .sorted()
                    .toArray();
            long transactions = proxy.counts().getOrDefault(AwsProxy.TRANSACT_WRITE_ITEMS, 0);
            long injected =
                    proxy.seen().stream().filter(s -> s.fault().isPresent()).count();
            long counter = TableLayout.num(
                    aws.dynamo()
                            .getItem(g -> g.tableName(aws.resources().tableName())
                                    .key(TableLayout.instanceKey(instanceId))
                                    .consistentRead(true))
                            .item(),
                    TableLayout.ACTIVE_CALLS,
                    -1);
            return new Result(
                    System.getenv().getOrDefault("HYDRA_EMULATOR", "moto"),
                    threads,
                    events.get(),
                    elapsed,
                    percentile(all, 50),
                    percentile(all, 99),
                    all.length == 0 ? 0 : (double) transactions / all.length,
                    injected,
                    failures.get(),
                    counter);
        }
    }

    /** One thread: start a call, end it, until the deadline; each event's latency in nanoseconds. */
    private static long[] drive(
            CallTransitions calls, String instanceId, long deadline, AtomicLong events, AtomicLong failures) {
        long[] out = new long[1024];
        int n = 0;
        while (System.nanoTime() < deadline) {
            String callId = "bench_" + UUID.randomUUID();
            for (CallState state : List.of(CallState.IN_PROGRESS, CallState.ENDED)) {
                long t0 = System.nanoTime();
                try {
                    calls.apply(calls.read(instanceId, callId, null), CallEvent.state(state, "+14155550100"));
                    events.incrementAndGet();
                } catch (RuntimeException e) {
                    failures.incrementAndGet();
                }
                if (n == out.length) {
                    out = Arrays.copyOf(out, n * 2);
                }
                out[n++] = System.nanoTime() - t0;
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static double percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }

    record Result(
            String emulator,
            int threads,
            long events,
            double seconds,
            double p50Millis,
            double p99Millis,
            double attemptsPerEvent,
            long conflictsInjected,
            long failures,
            long counterAfter) {
        String table() {
            return String.format(
                    "| emulator | threads | events | events/s | p50 | p99 | transactions/event | conflicts injected | failures | active_calls after |%n"
                            + "|---|---|---|---|---|---|---|---|---|---|%n"
                            + "| %s | %d | %d | %.0f | %.1f ms | %.1f ms | %.2f | %d | %d | %d |%n",
                    emulator,
                    threads,
                    events,
                    events / seconds,
                    p50Millis,
                    p99Millis,
                    attemptsPerEvent,
                    conflictsInjected,
                    failures,
                    counterAfter);
        }
    }
}
