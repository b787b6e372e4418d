package dev.hydracore.voice.bench.probe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code WarmRun <Handler> <eventFile> <warmup> <iterations>}: one execution environment's life.
 * Builds the handler, records the first invocation's AWS requests, warms up, then times
 * {@code iterations} invocations: wall time of each, and its own time (wall minus time inside SDK
 * calls, from {@link SdkCallMeter}). Prints one JSON line.
 */
public final class WarmRun {
    private static final Pattern STATUS = Pattern.compile("\"statusCode\"\\s*:\\s*(\\d+)");

    private WarmRun() {}

    public static void main(String[] args) throws Throwable {
        byte[] event = Files.readAllBytes(Path.of(args[1]));
        int warmup = Integer.parseInt(args[2]);
        int iterations = Integer.parseInt(args[3]);
        Invoker invoker = Invoker.create(args[0]);

        SdkCallMeter.Snapshot s0 = SdkCallMeter.snapshot();
        int firstStatus = status(invoker.invoke(event));
        SdkCallMeter.Snapshot first = SdkCallMeter.snapshot().minus(s0);
        for (int i = 1; i < warmup; i++) {
            invoker.invoke(event);
        }

        long[] wall = new long[iterations];
        long[] self = new long[iterations];
        TreeMap<Integer, Integer> statuses = new TreeMap<>();
        SdkCallMeter.Snapshot before = SdkCallMeter.snapshot();
        for (int i = 0; i < iterations; i++) {
            SdkCallMeter.Snapshot a = SdkCallMeter.snapshot();
            long t0 = System.nanoTime();
            byte[] response = invoker.invoke(event);
            long t1 = System.nanoTime();
            SdkCallMeter.Snapshot b = SdkCallMeter.snapshot();
            wall[i] = t1 - t0;
            self[i] = Math.max(0, wall[i] - (b.sdkNanos() - a.sdkNanos()));
            statuses.merge(status(response), 1, Integer::sum);
        }
        SdkCallMeter.Snapshot warm = SdkCallMeter.snapshot().minus(before);
        Arrays.sort(wall);
        Arrays.sort(self);
        StringBuilder sb = new StringBuilder(512);
        sb.append("{\"first_status\":").append(firstStatus);
        sb.append(",\"first\":").append(counts(first, 1));
        sb.append(",\"warm\":").append(counts(warm, iterations));
        sb.append(",\"warm_statuses\":{");
        statuses.forEach(
                (k, v) -> sb.append('"').append(k).append("\":").append(v).append(','));
        if (sb.charAt(sb.length() - 1) == ',') {
            sb.setLength(sb.length() - 1);
        }
        sb.append('}');
        sb.append(",\"iterations\":").append(iterations).append(",\"warmup\":").append(warmup);
        sb.append(",\"p50_ms\":")
                .append(ms(pct(wall, 0.50)))
                .append(",\"p99_ms\":")
                .append(ms(pct(wall, 0.99)));
        sb.append(",\"self_p50_ms\":")
                .append(ms(pct(self, 0.50)))
                .append(",\"self_p99_ms\":")
                .append(ms(pct(self, 0.99)));
        sb.append('}');
        System.out.println(sb);
        System.out.flush();
        System.exit(0);
    }

    private static String counts(SdkCallMeter.Snapshot s, int invocations) {
        return String.format(
                Locale.ROOT,
                "{\"dynamodb\":%s,\"kms\":%s,\"secretsmanager\":%s,\"other\":%s}",
                per(s.dynamodb(), invocations),
                per(s.kms(), invocations),
                per(s.secretsmanager(), invocations),
                per(s.other(), invocations));
    }

    private static String per(long count, int invocations) {
        if (count % invocations == 0) {
            return Long.toString(count / invocations);
        }
        return String.format(Locale.ROOT, "%.4f", (double) count / invocations);
    }

    private static int status(byte[] response) {
        Matcher m = STATUS.matcher(Invoker.oneLine(response));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static long pct(long[] sorted, double p) {
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.4f", nanos / 1e6);
    }
}
