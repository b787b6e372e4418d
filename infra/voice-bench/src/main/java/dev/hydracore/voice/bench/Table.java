package dev.hydracore.voice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The readable form of the report. */
final class Table {
    private Table() {}

    static String render(JsonNode r) {
        StringBuilder sb = new StringBuilder();
        JsonNode m = r.path("machine");
        sb.append(String.format(
                Locale.ROOT,
                "HydraCore Voice bench: %s, %d cores, load %s at start, %s at end; %s s%n",
                m.path("jdk").asText(),
                m.path("cores").asInt(),
                m.path("loadavg_start").asText(),
                m.path("loadavg_end").asText(),
                r.path("elapsed_s").asText()));
        sb.append("JVM options (infra/jvm-options): ")
                .append(String.join(" ", texts(m.path("jvm_options"))))
                .append(
                        r.path("settings").path("aot_cache").asBoolean()
                                ? " + -XX:AOTCache=<function>.aot"
                                : " (no AOT cache)")
                .append('\n');
        JsonNode py = r.path("python_baseline");
        if (py.has("median_s")) {
            sb.append("Python baseline (status route, boto3 + pydantic, under awslambdaric): ")
                    .append(spread(py))
                    .append(" alternating with ")
                    .append(py.path("paired_with").asText())
                    .append('\n');
        } else {
            sb.append("Python baseline: not measured\n");
        }
        JsonNode floor = r.path("runtime_client_floor");
        if (floor.has("median_s")) {
            sb.append("Floor (a no-op stream handler under the runtime client, same options, its own AOT cache): ")
                    .append(spread(floor))
                    .append(
                            py.has("median_s")
                                    ? String.format(
                                            Locale.ROOT,
                                            " (%.2fx Python)",
                                            floor.path("median_s").asDouble()
                                                    / py.path("median_s").asDouble())
                                    : "")
                    .append('\n');
        }
        sb.append('\n');
        Set<String> ids = new LinkedHashSet<>();
        r.path("status_codes").fieldNames().forEachRemaining(ids::add);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {
            "function",
            "status cold/first/warm",
            "cold median s",
            "min",
            "max",
            "x Python",
            "peak MiB",
            "classes (AOT)",
            "warm p50 ms",
            "p99 ms",
            "self p50 ms",
            "self p99 ms",
            "restore->1st ms",
            "x warm p50",
            "AWS first ddb/kms/sm",
            "AWS warm ddb/kms/sm",
            "package bytes"
        });
        for (String id : ids) {
            JsonNode c = r.path("cold_start").path(id);
            JsonNode w = r.path("warm").path(id);
            JsonNode q = r.path("aws_requests").path(id);
            JsonNode s = r.path("status_codes").path(id);
            rows.add(new String[] {
                id,
                s.path("cold").asText("-") + "/" + s.path("first").asText("-") + "/" + warmStatuses(s.path("warm")),
                num(c.path("median_s"), 3),
                num(c.path("min_s"), 3),
                num(c.path("max_s"), 3),
                num(c.path("ratio_vs_python"), 2),
                num(c.path("peak_mib"), 1),
                r.path("classes_loaded").path(id).asText("-") + " ("
                        + r.path("classes_from_aot_cache").path(id).asText("-") + ")",
                num(w.path("p50_ms"), 3),
                num(w.path("p99_ms"), 3),
                num(w.path("self_p50_ms"), 3),
                num(w.path("self_p99_ms"), 3),
                num(r.path("snapstart_restore").path(id).path("first_response_median_ms"), 3),
                restoreRatio(r.path("snapstart_restore").path(id), w),
                calls(q.path("first")),
                calls(q.path("warm")),
                r.path("artifact_bytes").path(id).asText("-")
            });
        }
        int[] width = new int[rows.getFirst().length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                sb.append(i == 0 ? "" : "  ").append(String.format("%-" + width[i] + "s", row[i]));
            }
            sb.append('\n');
        }
        appendTimelines(
                sb,
                r,
                ids,
                "cold_start",
                "client's first next",
                "client_first_next_ms",
                "\ncold start, one extra run with the SDK call meter (from process start: each AWS call @start +ms inside the SDK):\n");
        appendTimelines(
                sb,
                r,
                ids,
                "snapstart_restore",
                "client's next",
                "client_next_after_restore_ms",
                "\nfirst response after restore, one extra run with the SDK call meter (from restore: each AWS call @start +ms inside the SDK):\n");
        JsonNode failures = r.path("failures");
        if (!failures.isEmpty()) {
            sb.append("\nproblems:\n");
            failures.forEach(f -> sb.append("  ").append(f.asText()).append('\n'));
        }
        return sb.toString();
    }

    /** One line per function: the response's time, when the client asked for it, each call, the time with AWS calls in flight. */
    private static void appendTimelines(
            StringBuilder sb,
            JsonNode r,
            Iterable<String> ids,
            String section,
            String nextName,
            String nextField,
            String title) {
        StringBuilder lines = new StringBuilder();
        for (String id : ids) {
            JsonNode b = r.path(section).path(id).path("breakdown");
            if (b.has("first_response_ms")) {
                List<String> calls = new ArrayList<>();
                b.path("calls")
                        .forEach(c -> calls.add(c.path("call").asText() + " @" + num(c.path("starts_at_ms"), 1) + " +"
                                + num(c.path("ms"), 1)));
                lines.append(String.format(
                        Locale.ROOT,
                        "  %s: response at %s ms; %s at %s; %s; AWS calls in flight %s ms, the rest %s ms%n",
                        id,
                        num(b.path("first_response_ms"), 1),
                        nextName,
                        num(b.path(nextField), 1),
                        String.join(", ", calls),
                        num(b.path("sdk_in_flight_ms"), 1),
                        num(b.path("rest_ms"), 1)));
            }
        }
        if (!lines.isEmpty()) {
            sb.append(title).append(lines);
        }
    }

    /** SnapStart's first response after restore, in warm p50s of the same function. */
    private static String restoreRatio(JsonNode restore, JsonNode warm) {
        if (!restore.path("first_response_median_ms").isNumber()
                || !warm.path("p50_ms").isNumber()
                || warm.path("p50_ms").asDouble() <= 0) {
            return "-";
        }
        return String.format(
                Locale.ROOT,
                "%.2f",
                restore.path("first_response_median_ms").asDouble()
                        / warm.path("p50_ms").asDouble());
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static String num(JsonNode n, int places) {
        return n.isNumber() ? String.format(Locale.ROOT, "%." + places + "f", n.asDouble()) : "-";
    }

    private static String calls(JsonNode q) {
        if (q.isMissingNode()) {
            return "-";
        }
        return q.path("dynamodb").asText() + "/" + q.path("kms").asText() + "/"
                + q.path("secretsmanager").asText()
                + (q.path("other").asDouble() > 0 ? " +" + q.path("other").asText() : "");
    }

    private static String warmStatuses(JsonNode w) {
        if (!w.isObject() || w.isEmpty()) {
            return "-";
        }
        List<String> parts = new ArrayList<>();
        w.fields()
                .forEachRemaining(e -> parts.add(
                        w.size() == 1
                                ? e.getKey()
                                : e.getKey() + "x" + e.getValue().asText()));
        return String.join(",", parts);
    }

    /** A set of timed runs as the table prints it: median, min, max and how many. */
    private static String spread(JsonNode runs) {
        return String.format(
                Locale.ROOT,
                "median %.3f s, min %.3f, max %.3f, %d runs",
                runs.path("median_s").asDouble(),
                runs.path("min_s").asDouble(),
                runs.path("max_s").asDouble(),
                runs.path("runs").asInt());
    }
}
