package dev.hydracore.voice.bench.probe;

import java.util.Locale;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts the AWS requests a handler makes (each HTTP attempt, by service) and the time spent
 * inside SDK calls (from a call's first interceptor hook to its last): the time with at least one
 * call in flight, so calls that overlap (a sweep's shard queries, a first request's reads) are
 * not counted twice. The bench's warm probe
 * registers it for every SDK client through the classpath resource
 * {@code software/amazon/awssdk/global/handlers/execution.interceptors}, so production code is
 * untouched and the cold-start runs (which don't carry the resource) are not slowed by it.
 *
 * <p>With {@code -Dhydra.bench.sdk-calls=stderr} (the bench's restore-breakdown run) it also writes
 * one line per SDK call to stderr: {@code hydra-sdk-call <service> <operation> <start> <end>}, in
 * {@link System#nanoTime()} (the machine's monotonic clock, which the bench's own clock shares).
 */
public final class SdkCallMeter implements ExecutionInterceptor {
    /** The prefix of a call line; {@code Bench} parses what follows. */
    public static final String CALL_LINE = "hydra-sdk-call ";

    private static final ExecutionAttribute<Long> STARTED = new ExecutionAttribute<>("HydraBenchStarted");
    private static final boolean LOG_CALLS = "stderr".equals(System.getProperty("hydra.bench.sdk-calls"));
    private static long dynamodb;
    private static long kms;
    private static long secretsmanager;
    private static long other;
    private static long sdkNanos;
    private static int inFlight;
    private static long busySince;

    public static synchronized Snapshot snapshot() {
        return new Snapshot(dynamodb, kms, secretsmanager, other, sdkNanos);
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        long now = System.nanoTime();
        attributes.putAttribute(STARTED, now);
        synchronized (SdkCallMeter.class) {
            if (inFlight++ == 0) {
                busySince = now;
            }
        }
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        String service = String.valueOf(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME))
                .toLowerCase(Locale.ROOT);
        synchronized (SdkCallMeter.class) {
            switch (service) {
                case "dynamodb" -> dynamodb++;
                case "kms" -> kms++;
                case "secretsmanager" -> secretsmanager++;
                default -> other++;
            }
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        finished(attributes);
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        finished(attributes);
    }

    private static void finished(ExecutionAttributes attributes) {
        Long started = attributes.getAttribute(STARTED);
        if (started != null) {
            long end = System.nanoTime();
            synchronized (SdkCallMeter.class) {
                if (--inFlight == 0) {
                    sdkNanos += end - busySince;
                }
            }
            if (LOG_CALLS) {
                System.err.println(CALL_LINE
                        + String.valueOf(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME))
                                .toLowerCase(Locale.ROOT)
                        + " " + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME) + " " + started + " "
                        + end);
            }
        }
    }

    /** Counters at one moment; differences give one invocation's share. */
    public record Snapshot(long dynamodb, long kms, long secretsmanager, long other, long sdkNanos) {
        public Snapshot minus(Snapshot o) {
            return new Snapshot(
                    dynamodb - o.dynamodb,
                    kms - o.kms,
                    secretsmanager - o.secretsmanager,
                    other - o.other,
                    sdkNanos - o.sdkNanos);
        }
    }
}
