package dev.hydracore.voice.core;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The service's CloudWatch metrics, written as embedded metric format (EMF) members of a log line:
 * {@code _aws.Timestamp}, one {@code _aws.CloudWatchMetrics} directive per set of dimension sets
 * ({@code Namespace}, {@code Dimensions}, {@code Metrics[{Name, Unit}]}), each metric's value and
 * each dimension's value a top-level member of the same line. CloudWatch Logs extracts them; no SDK
 * call is made. Dimensions are low-cardinality names only (function, provider, outcome); tenant and
 * instance ids are plain members of the line, never dimensions.
 *
 * <p>The namespace is {@code POWERTOOLS_METRICS_NAMESPACE} (template parameter
 * {@code MetricsNamespace}); the alarms in template.yaml watch these names.
 */
public final class Metrics {
    public static final String DEFAULT_NAMESPACE = "HydraCoreVoice";

    /** A webhook delivery, by {@code provider} and {@code outcome} (applied, duplicate, ignored, rejected). */
    public static final String WEBHOOK_EVENTS = "WebhookEvents";
    /** A webhook delivery refused for its signature: without dimensions (the alarm's), and by provider. */
    public static final String SIGNATURE_REJECTIONS = "SignatureRejections";
    /** A 503 answered because DynamoDB, KMS or Secrets Manager failed or throttled, by function. */
    public static final String DEPENDENCY_UNAVAILABLE = "DependencyUnavailable";
    /** Calls the sweeper ended past the maximum call duration, per run (0 included). */
    public static final String CALLS_ENDED_BY_SWEEPER = "CallsEndedBySweeper";
    /**
     * Active calls across every instance, counted by each sweeper run from the sweep index it reads
     * anyway (the dashboard's total; without dimensions).
     */
    public static final String ACTIVE_CALLS = "ActiveCalls";
    /** The first invocation of an execution environment (after a SnapStart restore too), by function. */
    public static final String COLD_START = "ColdStart";
    /** A call refused at the channel's max_concurrent_calls (Twilio busy, Retell declined), by provider. */
    public static final String CALLS_REFUSED = "CallsRefused";

    /** Provider clean-ups (teardown's restores and hang-ups) that ended this sweeper run, 0 included. */
    public static final String PROVIDER_CLEANUPS_FINISHED = "ProviderCleanupsFinished";
    /** Provider clean-ups left to retry with backoff after this run, 0 included. */
    public static final String PROVIDER_CLEANUPS_RETRYING = "ProviderCleanupsRetrying";
    /** Provider clean-ups given up (24 h passed, or credentials unreadable) this run: the alarm's. */
    public static final String PROVIDER_CLEANUPS_GIVEN_UP = "ProviderCleanupsGivenUp";

    /** Teardown clean-up's restores that gave an object every previous value back, per sweeper run, 0 included. */
    public static final String PROVIDER_CLEANUP_RESTORED = "ProviderCleanupRestored";
    /** Restores that gave back only the fields still holding our values (someone changed the rest). */
    public static final String PROVIDER_CLEANUP_PARTLY_RESTORED = "ProviderCleanupPartlyRestored";
    /** Objects left alone: none of their fields held our value any more, or the current channel wired them again. */
    public static final String PROVIDER_CLEANUP_LEFT_ALONE = "ProviderCleanupLeftAlone";
    /** Objects no longer in the provider's account (nothing to restore: done). */
    public static final String PROVIDER_CLEANUP_OBJECTS_GONE = "ProviderCleanupObjectsGone";
    /** Restores the provider failed (timeout, 5xx, 429, refused): retried with the job's backoff. */
    public static final String PROVIDER_CLEANUP_RESTORES_FAILED = "ProviderCleanupRestoresFailed";
    /** Live calls hung up at the provider. */
    public static final String PROVIDER_CLEANUP_CALLS_HUNG_UP = "ProviderCleanupCallsHungUp";
    /** Calls the provider had already ended (Twilio 404/20404, Retell 404): done. */
    public static final String PROVIDER_CLEANUP_CALLS_ALREADY_OVER = "ProviderCleanupCallsAlreadyOver";
    /** Hang-ups the provider failed: retried with the job's backoff. */
    public static final String PROVIDER_CLEANUP_HANG_UPS_FAILED = "ProviderCleanupHangUpsFailed";

    public static final List<String> NAMES = List.of(
            WEBHOOK_EVENTS,
            SIGNATURE_REJECTIONS,
            DEPENDENCY_UNAVAILABLE,
            CALLS_ENDED_BY_SWEEPER,
            ACTIVE_CALLS,
            COLD_START,
            CALLS_REFUSED,
            PROVIDER_CLEANUPS_FINISHED,
            PROVIDER_CLEANUPS_RETRYING,
            PROVIDER_CLEANUPS_GIVEN_UP,
            PROVIDER_CLEANUP_RESTORED,
            PROVIDER_CLEANUP_PARTLY_RESTORED,
            PROVIDER_CLEANUP_LEFT_ALONE,
            PROVIDER_CLEANUP_OBJECTS_GONE,
            PROVIDER_CLEANUP_RESTORES_FAILED,
            PROVIDER_CLEANUP_CALLS_HUNG_UP,
            PROVIDER_CLEANUP_CALLS_ALREADY_OVER,
            PROVIDER_CLEANUP_HANG_UPS_FAILED);

    /** EMF's limits per directive. */
    static final int MAX_METRICS = 100;

    static final int MAX_DIMENSIONS = 30;

    public static final String COUNT = "Count";

    private Metrics() {}

    /**
     * Writes {@code _aws} and each metric's value as members of the object {@code g} is in; the
     * dimension members must be written by the caller. Metrics of one name are summed.
     */
    static void write(JsonGenerator g, String namespace, long timestampMillis, List<Metric> metrics)
            throws IOException {
        Map<String, Metric> byName = new LinkedHashMap<>();
        for (Metric m : metrics) {
            byName.merge(
                    m.name(), m, (a, b) -> new Metric(a.name(), a.unit(), a.value() + b.value(), a.dimensionSets()));
        }
        // One directive per distinct list of dimension sets; at most MAX_METRICS names each.
        Map<List<List<String>>, List<Metric>> directives = new LinkedHashMap<>();
        for (Metric m : byName.values()) {
            directives
                    .computeIfAbsent(m.dimensionSets(), k -> new ArrayList<>())
                    .add(m);
        }
        g.writeObjectFieldStart("_aws");
        g.writeNumberField("Timestamp", timestampMillis);
        g.writeArrayFieldStart("CloudWatchMetrics");
        for (Map.Entry<List<List<String>>, List<Metric>> d : directives.entrySet()) {
            List<Metric> ms = d.getValue();
            for (int from = 0; from < ms.size(); from += MAX_METRICS) {
                g.writeStartObject();
                g.writeStringField("Namespace", namespace);
                g.writeArrayFieldStart("Dimensions");
                for (List<String> set : d.getKey()) {
                    g.writeStartArray();
                    for (String dimension : set) {
                        g.writeString(dimension);
                    }
                    g.writeEndArray();
                }
                g.writeEndArray();
                g.writeArrayFieldStart("Metrics");
                for (Metric m : ms.subList(from, Math.min(ms.size(), from + MAX_METRICS))) {
                    g.writeStartObject();
                    g.writeStringField("Name", m.name());
                    g.writeStringField("Unit", m.unit());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
        }
        g.writeEndArray();
        g.writeEndObject();
        for (Metric m : byName.values()) {
            double v = m.value();
            if (v == Math.rint(v) && Math.abs(v) < 1e15) {
                g.writeNumberField(m.name(), (long) v);
            } else {
                g.writeNumberField(m.name(), v);
            }
        }
    }

    /** Every dimension member name the metrics use. */
    static Set<String> dimensionNames(List<Metric> metrics) {
        Set<String> names = new LinkedHashSet<>();
        metrics.forEach(m -> m.dimensionSets().forEach(names::addAll));
        return names;
    }

    /** One value of one metric, and the dimension sets (lists of member names) it is published under. */
    public record Metric(String name, String unit, double value, List<List<String>> dimensionSets) {
        public Metric {
            dimensionSets = dimensionSets.stream().map(List::copyOf).toList();
            if (dimensionSets.isEmpty() || dimensionSets.stream().anyMatch(d -> d.size() > MAX_DIMENSIONS)) {
                throw new IllegalArgumentException(
                        "a metric needs 1 or more dimension sets of at most " + MAX_DIMENSIONS);
            }
        }
    }
}
