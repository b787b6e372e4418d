package dev.hydracore.voice.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.tooling.CfnTemplate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One {@code AWS::Serverless::Function} of template.yaml as the local runtime needs it: handler,
 * code location, memory, timeout (the function's own value, else Globals, else Lambda's default),
 * its HttpApi routes and how Lambda initializes it (SnapStart or on demand). The template is the only list of functions.
 */
public record LocalFunction(
        String logicalId,
        String handler,
        String codeUri,
        int memoryMb,
        int timeoutSeconds,
        List<HttpRoute> routes,
        InitType initType) {

    public LocalFunction {
        routes = List.copyOf(routes);
    }

    /** A function without SnapStart (tests' own functions). */
    public LocalFunction(
            String logicalId,
            String handler,
            String codeUri,
            int memoryMb,
            int timeoutSeconds,
            List<HttpRoute> routes) {
        this(logicalId, handler, codeUri, memoryMb, timeoutSeconds, routes, InitType.ON_DEMAND);
    }

    /** The same function initialized the other way ({@code --init-type}). */
    public LocalFunction withInitType(InitType type) {
        return new LocalFunction(logicalId, handler, codeUri, memoryMb, timeoutSeconds, routes, type);
    }

    public static List<LocalFunction> fromTemplate(CfnTemplate template) {
        JsonNode globals = template.root().path("Globals").path("Function");
        List<LocalFunction> out = new ArrayList<>();
        template.resources("AWS::Serverless::Function").forEach((id, resource) -> {
            JsonNode p = resource.path("Properties");
            String handler = text(p, globals, "Handler");
            String codeUri = text(p, globals, "CodeUri");
            if (handler == null || codeUri == null) {
                throw new IllegalStateException(
                        "function " + id + " needs Handler and CodeUri (a functions/<module> directory)");
            }
            List<HttpRoute> routes = new ArrayList<>();
            p.path("Events").properties().forEach(e -> {
                if (e.getValue().path("Type").asText().equals("HttpApi")) {
                    JsonNode ep = e.getValue().path("Properties");
                    // An HttpApi event without Method/Path is the API's $default (catch-all) route.
                    String method = ep.path("Method").asText("ANY").toUpperCase(Locale.ROOT);
                    String path = ep.hasNonNull("Path") ? ep.get("Path").asText() : HttpRoute.DEFAULT_PATH;
                    routes.add(new HttpRoute(method, path, id));
                }
            });
            // SnapStart on published versions is what Lambda runs behind the alias the API calls.
            JsonNode snap = p.has("SnapStart") ? p.get("SnapStart") : globals.path("SnapStart");
            InitType init = snap.path("ApplyOn").asText("None").equals("PublishedVersions")
                    ? InitType.SNAP_START
                    : InitType.ON_DEMAND;
            out.add(new LocalFunction(
                    id,
                    handler,
                    codeUri,
                    number(p, globals, "MemorySize", 128),
                    number(p, globals, "Timeout", 3),
                    routes,
                    init));
        });
        return out;
    }

    public static LocalFunction find(List<LocalFunction> functions, String logicalId) {
        return functions.stream()
                .filter(f -> f.logicalId().equals(logicalId))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("template.yaml has no function " + logicalId
                        + " (functions: "
                        + functions.stream().map(LocalFunction::logicalId).toList() + ")"));
    }

    /** The Maven module directory name, e.g. voice-status for CodeUri functions/voice-status. */
    public String module() {
        return Path.of(codeUri).getFileName().toString();
    }

    private static String text(JsonNode own, JsonNode globals, String field) {
        JsonNode v = own.hasNonNull(field) ? own.get(field) : globals.get(field);
        return v == null || v.isNull() || !v.isValueNode() ? null : v.asText();
    }

    private static int number(JsonNode own, JsonNode globals, String field, int lambdaDefault) {
        String v = text(own, globals, field);
        return v == null ? lambdaDefault : Integer.parseInt(v);
    }
}
