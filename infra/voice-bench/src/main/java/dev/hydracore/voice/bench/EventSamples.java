package dev.hydracore.voice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.webhook.TimestampedHmac;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Makes a sample event from events/ do real work against the bench's emulator, generically: the
 * demo API key goes into the {@code authorization} (as a Bearer token) and {@code x-api-key}
 * headers the sample has, the demo instance into {@code pathParameters.instance_id} and into
 * the paths that named the sample's instance. Anything else (a webhook signature, a body) stays
 * as the sample has it.
 */
public final class EventSamples {
    private EventSamples() {}

    public static JsonNode prepare(JsonNode sample, String apiKey, String instanceId) {
        JsonNode copy = sample.deepCopy();
        if (!(copy instanceof ObjectNode event)) {
            return copy;
        }
        if (event.get("headers") instanceof ObjectNode headers) {
            List<String> names = new ArrayList<>();
            headers.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                switch (name.toLowerCase(Locale.ROOT)) {
                    case "authorization" -> headers.put(name, "Bearer " + apiKey);
                    case "x-api-key" -> headers.put(name, apiKey);
                    default -> {}
                }
            }
        }
        if (event.get("pathParameters") instanceof ObjectNode params && params.has("instance_id")) {
            String original = params.path("instance_id").asText("");
            params.put("instance_id", instanceId);
            if (!original.isEmpty()) {
                replaceIn(event, "rawPath", original, instanceId);
                if (event.path("requestContext").path("http") instanceof ObjectNode http) {
                    replaceIn(http, "path", original, instanceId);
                }
            }
        }
        return event;
    }

    /**
     * A sample that carries an {@code x-retell-signature} header gets a real one: the body signed
     * with the bench channel's Retell key at {@code nowMillis} (valid for Retell's 5-minute window).
     */
    public static JsonNode signRetell(JsonNode event, String retellKey, long nowMillis) {
        if (event instanceof ObjectNode e
                && e.get("headers") instanceof ObjectNode headers
                && e.path("body").isTextual()
                && !e.path("isBase64Encoded").asBoolean(false)) {
            List<String> names = new ArrayList<>();
            headers.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                if (name.equalsIgnoreCase("x-retell-signature")) {
                    byte[] body = e.path("body").asText().getBytes(StandardCharsets.UTF_8);
                    headers.put(name, TimestampedHmac.sign(body, retellKey, nowMillis));
                }
            }
        }
        return event;
    }

    private static void replaceIn(ObjectNode node, String field, String from, String to) {
        JsonNode v = node.get(field);
        if (v != null && v.isTextual()) {
            node.put(field, v.asText().replace(from, to));
        }
    }
}
