package dev.hydracore.voice.core.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.JsonStreams;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a channel changed at its provider, stored with the channel (no secret in it): whether the
 * channel is wired at all ({@code provider_wiring}), and for each provider object the values
 * found there before ({@code previous}) and the values set ({@code ours}), so teardown can put the
 * previous ones back where ours still hold.
 */
public record Wiring(boolean enabled, List<Wired> objects) {
    /** A channel that has changed nothing at the provider yet, with wiring on. */
    public static final Wiring NONE = new Wiring(true, List.of());

    public Wiring {
        objects = List.copyOf(objects);
    }

    public static Wiring fromJson(String json) {
        if (json == null || json.isEmpty()) {
            return NONE;
        }
        try {
            JsonNode n = JsonStreams.readTree(json.getBytes(StandardCharsets.UTF_8));
            List<Wired> objects = new ArrayList<>();
            for (JsonNode o : n.path("objects")) {
                objects.add(new Wired(
                        ProviderObject.fromWire(o.path("kind").asText()),
                        o.path("name").asText(),
                        o.path("id").asText(),
                        o.path("account").asText(),
                        strings(o.path("previous")),
                        strings(o.path("ours"))));
            }
            return new Wiring(n.path("enabled").asBoolean(true), objects);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String toJson() {
        return JsonStreams.write(g -> {
            g.writeStartObject();
            g.writeBooleanField("enabled", enabled);
            g.writeArrayFieldStart("objects");
            for (Wired w : objects) {
                g.writeStartObject();
                g.writeStringField("kind", w.kind().wire());
                g.writeStringField("name", w.name());
                g.writeStringField("id", w.id());
                g.writeStringField("account", w.account());
                g.writeObjectFieldStart("previous");
                for (Map.Entry<String, String> e : w.previous().entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
                g.writeObjectFieldStart("ours");
                for (Map.Entry<String, String> e : w.ours().entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static Map<String, String> strings(JsonNode o) {
        Map<String, String> out = new LinkedHashMap<>();
        o.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /**
     * One provider object the channel changed: found by {@code name} (the number, the agent id) in
     * {@code account} (the Twilio account SID; empty for Retell), changed through {@code id}.
     */
    public record Wired(
            ProviderObject kind,
            String name,
            String id,
            String account,
            Map<String, String> previous,
            Map<String, String> ours) {
        public Wired {
            previous = Map.copyOf(previous);
            ours = Map.copyOf(ours);
        }

        /** The same object (kind, name and account), whatever was set on it. */
        public boolean sameObject(Wanted w) {
            return kind == w.kind() && name.equals(w.name()) && account.equals(w.account());
        }
    }

    /** An object the channel's configuration wants set to {@code ours}. */
    public record Wanted(ProviderObject kind, String name, String account, Map<String, String> ours) {
        public Wanted {
            Objects.requireNonNull(name);
            ours = Map.copyOf(ours);
        }
    }
}
