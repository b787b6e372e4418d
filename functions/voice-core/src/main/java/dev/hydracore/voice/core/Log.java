package dev.hydracore.voice.core;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;

/**
 * One JSON object per line on stderr, in the shape Lambda's JSON log format keeps as it is: a line
 * that already is a JSON object is not wrapped again, its {@code level} is the level Lambda filters
 * by (ApplicationLogLevel) and its {@code timestamp} (RFC 3339) the event's time. Key names follow
 * Powertools for AWS Lambda's logger ({@code timestamp}, {@code level}, {@code message},
 * {@code service}, {@code function_name}, ...). Not {@code LambdaLogger}: with LogFormat JSON the
 * runtime client puts a string it is given into the {@code message} of an object of its own, so a
 * JSON line would arrive as an escaped string and CloudWatch would not see its metrics.
 *
 * <p>Lines below {@code AWS_LAMBDA_LOG_LEVEL} (what Lambda derives from ApplicationLogLevel) are not
 * written at all. Callers pass names, ids, numbers and fixed words only: never a request body,
 * header value, credential or key, nor an exception's message; nothing here can redact them after
 * the fact. The one line per invocation is {@link Invocation}'s.
 */
public final class Log {
    private static volatile Config config = Config.from(System.getenv());

    private Log() {}

    /**
     * Reads the logging variables from {@code env} instead of the process environment (tests, and
     * the local tooling). Lambda functions never call it.
     */
    public static void configure(Map<String, String> env) {
        config = Config.from(env);
    }

    static Config config() {
        return config;
    }

    public static boolean enabled(Level level) {
        return level.compareTo(config.threshold()) >= 0;
    }

    public static void info(String message, String... fields) {
        write(Level.INFO, message, fields);
    }

    public static void warn(String message, String... fields) {
        write(Level.WARN, message, fields);
    }

    public static void error(String message, String... fields) {
        write(Level.ERROR, message, fields);
    }

    /** A line with the standard keys, the current invocation's ids, and {@code fields} (name, value, ...). */
    private static void write(Level level, String message, String... fields) {
        if (!enabled(level)) {
            return;
        }
        Invocation current = Invocation.current();
        line(level, g -> {
            start(g, level, message);
            current.writeIds(g);
            for (int i = 0; i + 1 < fields.length; i += 2) {
                g.writeStringField(fields[i], fields[i + 1]);
            }
        });
    }

    /** The keys every line opens with. */
    static void start(JsonGenerator g, Level level, String message) throws IOException {
        Config c = config;
        g.writeStringField(
                "timestamp", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
        g.writeStringField("level", level.name());
        g.writeStringField("message", message);
        g.writeStringField("service", c.service());
    }

    /**
     * Writes one object as one line, in one write (Jackson escapes every control character, so a
     * value can never break the line), when {@code level} is enabled.
     */
    static void line(Level level, Body body) {
        line(level, false, body);
    }

    /** As {@link #line(Level, Body)}; {@code drop}: built, then not written (SnapStart priming). */
    static void line(Level level, boolean drop, Body body) {
        if (!enabled(level)) {
            return;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JsonStreams.FACTORY.createGenerator(bytes)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException | RuntimeException e) {
            return;
        }
        bytes.write('\n');
        if (drop) {
            return;
        }
        PrintStream err = System.err;
        err.write(bytes.toByteArray(), 0, bytes.size());
        err.flush();
    }

    /** Lambda's application log levels, lowest first. */
    public enum Level {
        TRACE,
        DEBUG,
        INFO,
        WARN,
        ERROR,
        FATAL;

        static Level parse(String value, Level fallback) {
            if (value == null || value.isBlank()) {
                return fallback;
            }
            String v = value.strip().toUpperCase(Locale.ROOT);
            return switch (v) {
                case "WARNING" -> WARN;
                case "CRITICAL" -> FATAL;
                default -> {
                    try {
                        yield Level.valueOf(v);
                    } catch (IllegalArgumentException e) {
                        yield fallback;
                    }
                }
            };
        }
    }

    /** What every line says about where it comes from, read once from the function's environment. */
    record Config(
            Level threshold, String service, String functionName, String functionVersion, String metricsNamespace) {
        static Config from(Map<String, String> env) {
            String level = env.get("AWS_LAMBDA_LOG_LEVEL");
            if (level == null || level.isBlank()) {
                level = env.get("POWERTOOLS_LOG_LEVEL");
            }
            return new Config(
                    Level.parse(level, Level.INFO),
                    orDefault(env.get("POWERTOOLS_SERVICE_NAME"), "hydracore-voice"),
                    orDefault(env.get("AWS_LAMBDA_FUNCTION_NAME"), "unknown"),
                    orDefault(env.get("AWS_LAMBDA_FUNCTION_VERSION"), null),
                    orDefault(env.get("POWERTOOLS_METRICS_NAMESPACE"), Metrics.DEFAULT_NAMESPACE));
        }

        private static String orDefault(String value, String fallback) {
            return value == null || value.isBlank() ? fallback : value.strip();
        }
    }

    interface Body {
        void write(JsonGenerator g) throws IOException;
    }
}
