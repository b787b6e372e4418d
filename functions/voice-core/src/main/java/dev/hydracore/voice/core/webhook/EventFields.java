package dev.hydracore.voice.core.webhook;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.JsonStreams;
import dev.hydracore.voice.core.http.ErrorDetail;
import dev.hydracore.voice.core.http.ValidationException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a JSON webhook body and its fields, collecting every problem as a pydantic-style error
 * (loc starts with "body"); messages never quote the submitted value.
 */
final class EventFields {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** A field kept as it is (a container in its place becomes an empty placeholder of its kind). */
    static final Object KEEP = new Object();
    /** An array of which only the length is kept, as a {@link Counted}. */
    static final Object COUNT = new Object();

    private final List<ErrorDetail> errors = new ArrayList<>();

    /**
     * The body as a JSON object, streamed: only the fields {@code shape} names are built (a nested
     * map descends into an object, {@link #KEEP} keeps a value, {@link #COUNT} counts an array);
     * everything else — transcripts, per-word timings, latency arrays — is skipped token by token,
     * never held as a tree or String, so memory does not grow with the event. A 422 (json_invalid,
     * also for bytes that are not UTF-8; model_attributes_type when not an object) otherwise.
     */
    static ObjectNode object(byte[] body, Map<String, Object> shape) {
        if (!Utf8.isValid(body)) {
            throw jsonInvalid();
        }
        try (JsonParser p = JsonStreams.FACTORY.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw jsonInvalid();
            }
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                requireEnd(p);
                throw new ValidationException(ErrorDetail.of(
                        "Input should be a valid dictionary or object to extract fields from",
                        "model_attributes_type",
                        "body"));
            }
            ObjectNode root = readObject(p, shape);
            requireEnd(p);
            return root;
        } catch (IOException e) {
            throw jsonInvalid();
        }
    }

    private static void requireEnd(JsonParser p) throws IOException {
        if (p.nextToken() != null) {
            throw jsonInvalid();
        }
    }

    /** At START_OBJECT: the named fields, in a tree; the rest skipped. */
    @SuppressWarnings("unchecked")
    private static ObjectNode readObject(JsonParser p, Map<String, Object> shape) throws IOException {
        ObjectNode o = NODES.objectNode();
        for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
            Object want = shape.get(p.currentName());
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (want == null) {
                p.skipChildren();
            } else if (want instanceof Map<?, ?> nested && v == JsonToken.START_OBJECT) {
                o.set(name, readObject(p, (Map<String, Object>) nested));
            } else if (want == COUNT && v == JsonToken.START_ARRAY) {
                long n = 0;
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    p.skipChildren();
                    n++;
                }
                o.set(name, NODES.pojoNode(new Counted(n)));
            } else {
                o.set(name, scalar(p, v));
            }
        }
        return o;
    }

    /** A scalar as itself; a container (skipped) as an empty one of its kind, so type checks still fail on it. */
    private static JsonNode scalar(JsonParser p, JsonToken v) throws IOException {
        return switch (v) {
            case START_OBJECT -> {
                p.skipChildren();
                yield NODES.objectNode();
            }
            case START_ARRAY -> {
                p.skipChildren();
                yield NODES.arrayNode();
            }
            case VALUE_STRING -> NODES.textNode(p.getText());
            case VALUE_NULL -> NODES.nullNode();
            case VALUE_TRUE, VALUE_FALSE -> NODES.booleanNode(v == JsonToken.VALUE_TRUE);
            // Numbers are never needed as numbers here; only their kind matters (not a string).
            default -> NODES.numberNode(0);
        };
    }

    static ValidationException jsonInvalid() {
        return new ValidationException(ErrorDetail.of("JSON decode error", "json_invalid", "body"));
    }

    /** A required string field; null (and an error recorded) when absent or not a string. */
    String requiredString(JsonNode parent, String name, Object... loc) {
        JsonNode v = parent.get(name);
        if (v == null || v.isNull()) {
            errors.add(ErrorDetail.missing(loc));
            return null;
        }
        return string(v, loc);
    }

    /** An optional string field; null when absent, an error when present but not a string. */
    String optionalString(JsonNode parent, String name, Object... loc) {
        JsonNode v = parent.get(name);
        return v == null || v.isNull() ? null : string(v, loc);
    }

    String callId(JsonNode parent, String name, Object... loc) {
        String id = requiredString(parent, name, loc);
        return id == null ? null : pattern(id, WebhookEvent.CALL_ID, loc);
    }

    /** An optional caller number, stored only when within {@link WebhookEvent#MAX_CALLER_PHONE} (a 422 when not a string). */
    String callerPhone(JsonNode parent, String name, Object... loc) {
        return WebhookEvent.boundedCaller(optionalString(parent, name, loc));
    }

    String pattern(String value, Pattern p, Object... loc) {
        if (!p.matcher(value).matches()) {
            errors.add(ErrorDetail.of(
                    "String should match pattern '" + p.pattern() + "'", "string_pattern_mismatch", loc));
            return null;
        }
        return value;
    }

    void add(ErrorDetail e) {
        errors.add(e);
    }

    /** Throws the 422 with every problem found, if any. */
    void check() {
        if (!errors.isEmpty()) {
            throw new ValidationException(errors);
        }
    }

    private String string(JsonNode v, Object... loc) {
        if (!v.isTextual()) {
            errors.add(ErrorDetail.of("Input should be a valid string", "string_type", loc));
            return null;
        }
        return v.asText();
    }

    /** What a counted array became: its length (its elements were skipped, never built). */
    record Counted(long size) {}
}
