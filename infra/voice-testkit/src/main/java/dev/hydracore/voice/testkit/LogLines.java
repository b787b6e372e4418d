package dev.hydracore.voice.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * What a function wrote to stdout and stderr, as CloudWatch would receive it: every line, and the
 * JSON objects among them. {@link #emfProblems} checks a line against the structure of the
 * CloudWatch embedded metric format's JSON schema.
 */
public record LogLines(String text) {

    // --- the embedded metric format's schema, as a structure check -------------------------------

    private static final Set<String> UNITS = Set.of(
            "Seconds",
            "Microseconds",
            "Milliseconds",
            "Bytes",
            "Kilobytes",
            "Megabytes",
            "Gigabytes",
            "Terabytes",
            "Bits",
            "Kilobits",
            "Megabits",
            "Gigabits",
            "Terabits",
            "Percent",
            "Count",
            "Bytes/Second",
            "Kilobytes/Second",
            "Megabytes/Second",
            "Gigabytes/Second",
            "Terabytes/Second",
            "Bits/Second",
            "Kilobits/Second",
            "Megabits/Second",
            "Gigabits/Second",
            "Terabits/Second",
            "Count/Second",
            "None");
    private static final Pattern NAMESPACE = Pattern.compile("[a-zA-Z0-9._#:/-]+");

    /** Runs {@code action} with System.out and System.err captured (restored even on failure). */
    public static <T> Captured<T> capture(Callable<T> action) throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        T value;
        System.setOut(capture);
        System.setErr(capture);
        try {
            value = action.call();
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Captured<>(value, new LogLines(bytes.toString(StandardCharsets.UTF_8)));
    }

    public List<String> lines() {
        return text.lines().filter(l -> !l.isBlank()).toList();
    }

    /** Every line that is a JSON object (each must be one: a test fails on any other line). */
    public List<JsonNode> json() {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : lines()) {
            try {
                JsonNode n = Json.MAPPER.readTree(line);
                if (n == null || !n.isObject()) {
                    throw new AssertionError("a log line is not a JSON object: " + line);
                }
                nodes.add(n);
            } catch (IOException e) {
                throw new AssertionError("a log line is not JSON: " + line, e);
            }
        }
        return nodes;
    }

    /** The invocation lines: those with a {@code latency_ms}. */
    public List<JsonNode> invocations() {
        return json().stream().filter(n -> n.has("latency_ms")).toList();
    }

    /**
     * What makes {@code line} not a valid EMF document (empty: valid): the schema's rules for
     * {@code _aws} (Timestamp a non-negative integer, CloudWatchMetrics an array of directives),
     * each directive (Namespace 1-1024 of the allowed characters; Dimensions an array of arrays of
     * 0-30 unique strings; Metrics 1-100 objects with a Name of 1-1024 characters and an optional
     * Unit from the list), and the document's own rules: every metric name a numeric top-level
     * member, every dimension a string top-level member.
     */
    public static List<String> emfProblems(JsonNode line) {
        List<String> problems = new ArrayList<>();
        JsonNode aws = line.get("_aws");
        if (aws == null || !aws.isObject()) {
            return List.of("no _aws object");
        }
        JsonNode ts = aws.get("Timestamp");
        if (ts == null || !ts.isIntegralNumber() || ts.asLong() < 0) {
            problems.add("_aws.Timestamp is not a non-negative integer");
        }
        JsonNode directives = aws.get("CloudWatchMetrics");
        if (directives == null || !directives.isArray()) {
            problems.add("_aws.CloudWatchMetrics is not an array");
            return problems;
        }
        for (JsonNode d : directives) {
            if (!d.isObject()) {
                problems.add("a directive is not an object");
                continue;
            }
            for (Iterator<String> names = d.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!Set.of("Namespace", "Dimensions", "Metrics").contains(name)) {
                    problems.add("a directive has an unknown member " + name);
                }
            }
            JsonNode ns = d.get("Namespace");
            if (ns == null
                    || !ns.isTextual()
                    || ns.asText().isEmpty()
                    || ns.asText().length() > 1024
                    || !NAMESPACE.matcher(ns.asText()).matches()) {
                problems.add("Namespace is not 1-1024 allowed characters");
            }
            JsonNode dims = d.get("Dimensions");
            if (dims == null || !dims.isArray()) {
                problems.add("Dimensions is not an array");
            } else {
                for (JsonNode set : dims) {
                    if (!set.isArray() || set.size() > 30) {
                        problems.add("a dimension set is not an array of at most 30");
                        continue;
                    }
                    Set<String> seen = new java.util.HashSet<>();
                    for (JsonNode dim : set) {
                        if (!dim.isTextual()
                                || dim.asText().isEmpty()
                                || dim.asText().length() > 250
                                || !seen.add(dim.asText())) {
                            problems.add("a dimension is not a unique string of 1-250 characters");
                        } else if (!line.path(dim.asText()).isTextual()
                                || line.path(dim.asText()).asText().isEmpty()) {
                            problems.add(
                                    "dimension " + dim.asText() + " is not a non-empty string member of the document");
                        }
                    }
                }
            }
            JsonNode metrics = d.get("Metrics");
            if (metrics == null || !metrics.isArray() || metrics.isEmpty() || metrics.size() > 100) {
                problems.add("Metrics is not an array of 1-100");
            } else {
                for (JsonNode m : metrics) {
                    JsonNode name = m.get("Name");
                    if (name == null
                            || !name.isTextual()
                            || name.asText().isEmpty()
                            || name.asText().length() > 1024) {
                        problems.add("a metric has no Name of 1-1024 characters");
                        continue;
                    }
                    JsonNode unit = m.get("Unit");
                    if (unit != null && (!unit.isTextual() || !UNITS.contains(unit.asText()))) {
                        problems.add("metric " + name.asText() + " has an unknown Unit");
                    }
                    JsonNode value = line.get(name.asText());
                    boolean numeric = value != null
                            && (value.isNumber() || (value.isArray() && !value.isEmpty() && allNumbers(value)));
                    if (!numeric) {
                        problems.add("metric " + name.asText() + " has no numeric member");
                    }
                }
            }
        }
        return problems;
    }

    private static boolean allNumbers(JsonNode array) {
        for (JsonNode n : array) {
            if (!n.isNumber()) {
                return false;
            }
        }
        return true;
    }

    /** Metric name → its dimension sets, over every directive of {@code line}. */
    public static Map<String, List<List<String>>> emfMetrics(JsonNode line) {
        Map<String, List<List<String>>> metrics = new java.util.LinkedHashMap<>();
        for (JsonNode d : line.path("_aws").path("CloudWatchMetrics")) {
            List<List<String>> sets = new ArrayList<>();
            for (JsonNode set : d.path("Dimensions")) {
                List<String> s = new ArrayList<>();
                set.forEach(x -> s.add(x.asText()));
                sets.add(s);
            }
            for (JsonNode m : d.path("Metrics")) {
                metrics.put(m.path("Name").asText(), sets);
            }
        }
        return metrics;
    }

    /** A captured run's text, for messages. */
    @Override
    public String toString() {
        return text;
    }

    public record Captured<T>(T value, LogLines logs) {}
}
