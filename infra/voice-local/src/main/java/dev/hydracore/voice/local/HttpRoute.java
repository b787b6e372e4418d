package dev.hydracore.voice.local;

import java.util.List;
import java.util.Locale;

/**
 * A route of the HTTP API: method (or ANY), path template with {@code {name}} and a final
 * {@code {name+}} greedy segment, and the function behind it.
 */
public record HttpRoute(String method, String path, String functionId) {
    /** The path of the $default route, which catches every request no other route takes. */
    public static final String DEFAULT_PATH = "$default";

    public HttpRoute {
        method = method.toUpperCase(Locale.ROOT);
    }

    /** What API Gateway puts in routeKey: "GET /v1/x/{id}", or "$default". */
    public String routeKey() {
        return isDefault() ? DEFAULT_PATH : method + " " + path;
    }

    public boolean isDefault() {
        return path.equals(DEFAULT_PATH);
    }

    List<String> segments() {
        return Router.split(path);
    }
}
