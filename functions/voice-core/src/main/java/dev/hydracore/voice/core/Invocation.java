package dev.hydracore.voice.core;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What one invocation did, reported as one JSON line when it ends (access log and metrics in one):
 * route, status, latency, cold start, Lambda's and API Gateway's request ids, the X-Ray trace id,
 * the instance and tenant when known, a webhook's provider and outcome, the exception class of a
 * failure, and the EMF metrics the invocation counts. {@link FunctionHandler} opens and closes it
 * around every invocation; code on the request path reaches it through {@link #current()} (the
 * request's thread), as Powertools' logger reaches its MDC.
 *
 * <p>Everything here is a name, an id validated as one, a number or a fixed word: no value is
 * copied from a request body or header, and an exception contributes its class name only.
 */
public final class Invocation {
    /** The system property AWS's runtime interface client sets to each invocation's trace header. */
    static final String TRACE_HEADER_PROPERTY = "com.amazonaws.xray.traceHeader";

    private static final Pattern TRACE_ID = Pattern.compile("1-[0-9a-f]{8}-[0-9a-f]{24}");
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:$/+=-]{1,128}");

    private static final ThreadLocal<Invocation> CURRENT = new ThreadLocal<>();

    private final boolean silent;
    private final boolean dropLine;
    private final boolean coldStart;
    private final long startNanos;
    private final String functionName;
    private final String functionVersion;
    private final String functionRequestId;
    private final String xrayTraceId;
    private String route;
    private String message;
    private int status = -1;
    private String correlationId;
    private String instanceId;
    private String tenantId;
    private String provider;
    private WebhookOutcome outcome;
    private boolean signatureRejected;
    private boolean dependencyUnavailable;
    private String errorName;
    private String errorAt;
    private String awsErrorCode;
    private Log.Level level = Log.Level.INFO;
    private final Map<String, Long> counts = new LinkedHashMap<>();
    private final List<Metrics.Metric> metrics = new ArrayList<>();

    private Invocation(boolean silent, boolean coldStart, Context context) {
        this(silent, false, coldStart, context);
    }

    private Invocation(boolean silent, boolean dropLine, boolean coldStart, Context context) {
        Log.Config c = Log.config();
        this.silent = silent;
        this.dropLine = dropLine;
        this.coldStart = coldStart;
        this.startNanos = System.nanoTime();
        this.functionName = safe(context == null ? null : context.getFunctionName(), c.functionName());
        this.functionVersion = safe(context == null ? null : context.getFunctionVersion(), c.functionVersion());
        this.functionRequestId = safe(context == null ? null : context.getAwsRequestId(), null);
        // The runtime client's context and system property carry this invocation's trace header;
        // the environment variable is a runtime's that can set it per invocation.
        String header = context == null ? null : context.getXrayTraceId();
        this.xrayTraceId = traceId(
                header != null ? header : System.getProperty(TRACE_HEADER_PROPERTY), System.getenv("_X_AMZN_TRACE_ID"));
    }

    /** Opens the current thread's invocation; {@link #close()} reports it. */
    public static Invocation open(Context context, boolean coldStart) {
        Invocation i = new Invocation(false, coldStart, context);
        CURRENT.set(i);
        return i;
    }

    /**
     * A SnapStart priming round's invocation: its line is built as any invocation's (so that code
     * is compiled in the snapshot) and then dropped, never written.
     */
    public static Invocation openPriming() {
        Invocation i = new Invocation(false, true, false, null);
        CURRENT.set(i);
        return i;
    }

    /** True inside a priming run ({@link #openPriming()}): its requests are not the environment's. */
    public boolean priming() {
        return dropLine;
    }

    public static boolean isOpen() {
        return CURRENT.get() != null;
    }

    /** The invocation the current thread is serving; outside one, a detached one nobody reports. */
    public static Invocation current() {
        Invocation i = CURRENT.get();
        return i != null ? i : new Invocation(true, false, null);
    }

    /** Ends the invocation: writes its line (unless silent) and detaches it from the thread. */
    public void close() {
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
        if (!silent) {
            report();
        }
    }

    // --- what the request path tells it --------------------------------------------------------

    /** The API Gateway route key (the route's template, not the raw path), or a fixed name. */
    public Invocation route(String routeKey) {
        this.route = routeKey;
        return this;
    }

    /** The line's message instead of the default ({@code <route> <status>}); fixed words only. */
    public Invocation message(String fixedWords) {
        this.message = fixedWords;
        return this;
    }

    public Invocation status(int status) {
        this.status = status;
        return this;
    }

    /** API Gateway's request id ({@code requestContext.requestId}); kept only when it looks like an id. */
    public Invocation correlationId(String apiGatewayRequestId) {
        this.correlationId = safe(apiGatewayRequestId, null);
        return this;
    }

    /** The instance id, once validated as a UUID by the caller. */
    public Invocation instance(String instanceId) {
        this.instanceId = instanceId;
        return this;
    }

    /** The authenticated tenant. */
    public Invocation tenant(String tenantId) {
        this.tenantId = safe(tenantId, null);
        return this;
    }

    /** A webhook's provider scheme (a fixed word: retell, twilio, pipecat-bot). */
    public Invocation provider(String provider) {
        this.provider = provider;
        return this;
    }

    public String provider() {
        return provider;
    }

    public Invocation outcome(WebhookOutcome outcome) {
        this.outcome = outcome;
        return this;
    }

    public WebhookOutcome outcome() {
        return outcome;
    }

    /** A webhook delivery refused for its signature (also counted as a rejected delivery). */
    public Invocation signatureRejected() {
        this.signatureRejected = true;
        this.outcome = WebhookOutcome.REJECTED;
        return this;
    }

    /** Answered 503: a dependency failed. {@code awsErrorCode}: the service's error code, if any. */
    public Invocation dependencyUnavailable(Throwable e, String awsErrorCode) {
        this.dependencyUnavailable = true;
        this.errorName = e.getClass().getSimpleName();
        this.awsErrorCode = safe(awsErrorCode, null);
        this.level = Log.Level.WARN;
        this.message = "dependency unavailable";
        return this;
    }

    /** Failed with a bug (500, or a function error): the exception's class and top frame. */
    public Invocation failed(Throwable e) {
        this.errorName = e.getClass().getName();
        StackTraceElement[] st = e.getStackTrace();
        this.errorAt = st.length == 0 ? null : st[0].toString();
        this.level = Log.Level.ERROR;
        if (message == null || !message.equals("dependency unavailable")) {
            this.message = "unhandled failure";
        }
        return this;
    }

    /** A count the line carries as a plain member (not a metric), e.g. the sweeper's {@code ended}. */
    public Invocation count(String name, long value) {
        counts.put(name, value);
        return this;
    }

    /** A metric of this invocation, published under {@code dimensionSets} (member names of the line). */
    public Invocation metric(String name, String unit, double value, List<List<String>> dimensionSets) {
        metrics.add(new Metrics.Metric(name, unit, value, dimensionSets));
        return this;
    }

    // --- the line -------------------------------------------------------------------------------

    /** The ids any line written during this invocation carries (so a warning joins its access line). */
    void writeIds(JsonGenerator g) throws IOException {
        if (silent && functionRequestId == null) {
            return;
        }
        g.writeStringField("function_name", functionName);
        writeIfPresent(g, "function_request_id", functionRequestId);
        writeIfPresent(g, "correlation_id", correlationId);
        writeIfPresent(g, "xray_trace_id", xrayTraceId);
    }

    private List<Metrics.Metric> allMetrics() {
        List<Metrics.Metric> all = new ArrayList<>(metrics);
        List<List<String>> byFunction = List.of(List.of("function_name"));
        if (coldStart) {
            all.add(new Metrics.Metric(Metrics.COLD_START, Metrics.COUNT, 1, byFunction));
        }
        if (dependencyUnavailable) {
            all.add(new Metrics.Metric(Metrics.DEPENDENCY_UNAVAILABLE, Metrics.COUNT, 1, byFunction));
        }
        if (provider != null && outcome != null) {
            all.add(new Metrics.Metric(
                    Metrics.WEBHOOK_EVENTS, Metrics.COUNT, 1, List.of(List.of("provider", "outcome"))));
        }
        if (signatureRejected && provider != null) {
            // Without dimensions: the metric SignatureRejectionsAlarm watches; by provider beside it.
            all.add(new Metrics.Metric(
                    Metrics.SIGNATURE_REJECTIONS, Metrics.COUNT, 1, List.of(List.of(), List.of("provider"))));
        }
        return all;
    }

    private void report() {
        double latencyMs = Math.round((System.nanoTime() - startNanos) / 1_000.0) / 1_000.0;
        List<Metrics.Metric> all = allMetrics();
        Log.line(level, dropLine, g -> {
            Log.start(g, level, message != null ? message : defaultMessage());
            g.writeStringField("function_name", functionName);
            writeIfPresent(g, "function_version", functionVersion);
            writeIfPresent(g, "function_request_id", functionRequestId);
            writeIfPresent(g, "correlation_id", correlationId);
            writeIfPresent(g, "xray_trace_id", xrayTraceId);
            g.writeBooleanField("cold_start", coldStart);
            writeIfPresent(g, "route", route);
            if (status >= 0) {
                g.writeNumberField("status", status);
            }
            g.writeNumberField("latency_ms", latencyMs);
            writeIfPresent(g, "instance_id", instanceId);
            writeIfPresent(g, "tenant_id", tenantId);
            writeIfPresent(g, "provider", provider);
            if (outcome != null) {
                g.writeStringField("outcome", outcome.wire());
            }
            for (Map.Entry<String, Long> c : counts.entrySet()) {
                g.writeNumberField(c.getKey(), c.getValue());
            }
            if (errorName != null) {
                g.writeObjectFieldStart("error");
                g.writeStringField("name", errorName);
                writeIfPresent(g, "at", errorAt);
                writeIfPresent(g, "aws_error_code", awsErrorCode);
                g.writeEndObject();
            }
            if (!all.isEmpty()) {
                Metrics.write(g, Log.config().metricsNamespace(), System.currentTimeMillis(), all);
            }
        });
    }

    private String defaultMessage() {
        String r = route == null ? "invocation" : route;
        return status >= 0 ? r + " " + status : r;
    }

    private static void writeIfPresent(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    /** {@code value} when it has an id's shape (no spaces, quotes or control characters), else {@code fallback}. */
    private static String safe(String value, String fallback) {
        return value != null && SAFE_ID.matcher(value).matches() ? value : fallback;
    }

    /** The {@code Root} of an X-Ray trace header, when it is a well-formed trace id. */
    static String traceId(String fromProperty, String fromEnvironment) {
        String header = fromProperty != null && !fromProperty.isBlank() ? fromProperty : fromEnvironment;
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            String p = part.strip();
            if (p.startsWith("Root=")) {
                String id = p.substring(5);
                return TRACE_ID.matcher(id).matches() ? id : null;
            }
        }
        return null;
    }

    /** What became of a webhook delivery. */
    public enum WebhookOutcome {
        /** The event moved the call's state. */
        APPLIED,
        /** A state-changing event the call had already seen (redelivered, stale or reordered). */
        DUPLICATE,
        /** Authenticated, and nothing to do for it (an event type we do not count). */
        IGNORED,
        /** Refused: bad signature, no channel, malformed or too large. */
        REJECTED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
