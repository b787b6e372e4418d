package dev.hydracore.voice.core.provider;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Deadline;
import dev.hydracore.voice.core.JsonStreams;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Retell's REST API as its document describes it: {@code Authorization: Bearer <api key>}, JSON
 * bodies, the phone number (E.164) and the agent id as path ids. Field values are passed as
 * canonical JSON text ({@link #canonical}), so a value read back compares equal to the one written.
 */
public final class RetellSession implements ProviderSession {
    static final String PROVIDER = "retell";

    private final ProviderHttp http;
    private final String base;
    private final String authorization;

    public RetellSession(ProviderHttp http, String baseUrl, String apiKey) {
        this.http = http;
        this.base = baseUrl;
        this.authorization = "Bearer " + apiKey;
    }

    /** {@code inbound_agents} routing every inbound call to one agent, as canonical JSON. */
    public static String oneAgent(String agentId) {
        return JsonStreams.write(g -> {
            g.writeStartArray();
            writeAgent(g, agentId, 1.0);
            g.writeEndArray();
        });
    }

    /** A URL (or none) as the canonical JSON value of a Retell URL field. */
    public static String url(String url) {
        return JsonStreams.write(g -> {
            if (url == null || url.isEmpty()) {
                g.writeNull();
            } else {
                g.writeString(url);
            }
        });
    }

    @Override
    public Located locate(ProviderObject kind, String name, Deadline deadline) {
        return new Located(name, read(kind, name, deadline), false);
    }

    @Override
    public Map<String, String> read(ProviderObject kind, String id, Deadline deadline) {
        JsonNode n = switch (kind) {
            case RETELL_NUMBER -> call("get phone number", "GET", "/get-phone-number/" + encode(id), null, deadline);
            case RETELL_AGENT -> call("get agent", "GET", "/get-agent/" + encode(id), null, deadline);
            case TWILIO_NUMBER -> throw new IllegalArgumentException("Retell has no " + kind.wire());
        };
        Map<String, String> out = new LinkedHashMap<>();
        for (String field : kind.fields()) {
            out.put(field, canonical(n.get(field)));
        }
        return out;
    }

    @Override
    public void write(ProviderObject kind, String id, Map<String, String> values, Deadline deadline) {
        String path = switch (kind) {
            case RETELL_NUMBER -> "/update-phone-number/" + encode(id);
            case RETELL_AGENT -> "/update-agent/" + encode(id);
            case TWILIO_NUMBER -> throw new IllegalArgumentException("Retell has no " + kind.wire());
        };
        StringBuilder body = new StringBuilder("{");
        values.forEach((field, json) -> {
            if (body.length() > 1) {
                body.append(',');
            }
            body.append(JsonStreams.write(g -> g.writeString(field)))
                    .append(':')
                    .append(json);
        });
        body.append('}');
        call(
                kind == ProviderObject.RETELL_NUMBER ? "update phone number" : "update agent",
                "PATCH",
                path,
                body.toString(),
                deadline);
    }

    @Override
    public HangUp hangUp(String callId, Deadline deadline) {
        try {
            call("stop call", "POST", "/v2/stop-call/" + encode(callId), null, deadline);
            return HangUp.HUNG_UP;
        } catch (ProviderException e) {
            if (e.kind() == ProviderException.Kind.NOT_FOUND) {
                return HangUp.ALREADY_OVER;
            }
            throw e;
        }
    }

    /**
     * A field's value as canonical JSON text: {@code null} for absent, a string as itself, a list
     * of agent weights as {@code [{"agent_id":…,"weight":<double>}]} (so 1 and 1.0 compare equal).
     */
    static String canonical(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "null";
        }
        if (v.isArray()) {
            return JsonStreams.write(g -> {
                g.writeStartArray();
                for (JsonNode a : v) {
                    writeAgent(g, a.path("agent_id").asText(), a.path("weight").asDouble());
                }
                g.writeEndArray();
            });
        }
        return JsonStreams.write(g -> g.writeString(v.asText()));
    }

    private static void writeAgent(JsonGenerator g, String agentId, double weight) throws IOException {
        g.writeStartObject();
        g.writeStringField("agent_id", agentId);
        g.writeNumberField("weight", weight);
        g.writeEndObject();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode call(String operation, String method, String path, String json, Deadline deadline) {
        ProviderHttp.Answer a = http.send(
                PROVIDER,
                operation,
                method,
                URI.create(base + path),
                Map.of("Authorization", authorization),
                "application/json",
                json == null ? null : json.getBytes(StandardCharsets.UTF_8),
                deadline);
        if (!a.ok()) {
            throw new ProviderException(ProviderException.kindOf(a.status()), PROVIDER, operation, a.status(), null);
        }
        if (a.body().length == 0) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        try {
            return JsonStreams.readTree(a.body());
        } catch (IOException e) {
            throw new ProviderException(ProviderException.Kind.UNAVAILABLE, PROVIDER, operation, a.status(), e);
        }
    }
}
