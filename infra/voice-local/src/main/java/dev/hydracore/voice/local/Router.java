package dev.hydracore.voice.local;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Picks the route for a request the way an HTTP API does: the most specific path wins (more
 * literal segments first, a greedy {@code {proxy+}} last), an exact method beats ANY, and the
 * $default route takes what is left. A path that matches only under other methods is a 405.
 */
public final class Router {
    private final List<HttpRoute> routes;

    public Router(List<HttpRoute> routes) {
        this.routes = List.copyOf(routes);
    }

    public List<HttpRoute> routes() {
        return routes;
    }

    public Result route(String method, String rawPath) {
        List<String> request = split(rawPath);
        List<Candidate> candidates = new ArrayList<>();
        TreeSet<String> otherMethods = new TreeSet<>();
        for (HttpRoute r : routes) {
            if (r.isDefault()) {
                continue;
            }
            Map<String, String> params = match(r.segments(), request);
            if (params == null) {
                continue;
            }
            if (r.method().equals(method) || r.method().equals("ANY")) {
                candidates.add(new Candidate(r, params));
            } else {
                otherMethods.add(r.method());
            }
        }
        if (!candidates.isEmpty()) {
            Candidate best = candidates.stream()
                    .min(Comparator.comparingInt(Candidate::rank))
                    .orElseThrow();
            return new Match(best.route(), best.params());
        }
        for (HttpRoute r : routes) {
            if (r.isDefault()) {
                return new Match(r, Map.of());
            }
        }
        return otherMethods.isEmpty() ? new NotFound() : new MethodNotAllowed(List.copyOf(otherMethods));
    }

    /** Path parameters (percent-decoded) when the template matches, else null. */
    static Map<String, String> match(List<String> template, List<String> request) {
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < template.size(); i++) {
            String t = template.get(i);
            boolean variable = t.startsWith("{") && t.endsWith("}");
            if (variable && t.endsWith("+}")) {
                if (i != template.size() - 1 || request.size() <= i) {
                    return null;
                }
                params.put(
                        t.substring(1, t.length() - 2), decode(String.join("/", request.subList(i, request.size()))));
                return params;
            }
            if (i >= request.size()) {
                return null;
            }
            String r = request.get(i);
            if (variable) {
                if (r.isEmpty()) {
                    return null;
                }
                params.put(t.substring(1, t.length() - 1), decode(r));
            } else if (!t.equals(r)) {
                return null;
            }
        }
        return template.size() == request.size() ? params : null;
    }

    static List<String> split(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.isEmpty()) {
            return List.of();
        }
        return List.of(p.split("/", -1));
    }

    /** Percent-decoding of a path segment ("+" stays a plus: it means a space only in queries). */
    static String decode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        return java.net.URLDecoder.decode(segment.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    }

    public sealed interface Result permits Match, MethodNotAllowed, NotFound {}

    public record Match(HttpRoute route, Map<String, String> pathParameters) implements Result {}

    public record MethodNotAllowed(List<String> allowed) implements Result {}

    public record NotFound() implements Result {}

    private record Candidate(HttpRoute route, Map<String, String> params) {
        /** Lower is more specific. */
        int rank() {
            List<String> segs = route.segments();
            int literals = 0;
            boolean greedy = false;
            for (String s : segs) {
                if (!s.startsWith("{")) {
                    literals++;
                } else if (s.endsWith("+}")) {
                    greedy = true;
                }
            }
            return (greedy ? 1_000_000 : 0)
                    - literals * 1000
                    - segs.size()
                    + (route.method().equals("ANY") ? 1 : 0);
        }
    }
}
