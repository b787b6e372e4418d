package dev.hydracore.voice.core.webhook;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.http.ErrorDetail;
import dev.hydracore.voice.core.http.ValidationException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads a JSON webhook body and its fields, collecting every problem as a pydantic-style error
 * (loc starts with "body"); messages never quote the submitted value.
 */
final class EventFields {
    private static final ObjectReader READER = Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final List<ErrorDetail> errors = new ArrayList<>();

    /** The body as a JSON object, or a 422 (json_invalid, or model_attributes_type when not an object). */
    static JsonNode object(byte[] body) {
        JsonNode tree;
        try {
            tree = READER.readTree(body);
        } catch (IOException e) {
            throw new ValidationException(ErrorDetail.of("JSON decode error", "json_invalid", "body"));
        }
        if (tree == null || tree.isMissingNode()) {
            throw new ValidationException(ErrorDetail.of("JSON decode error", "json_invalid", "body"));
        }
        if (!tree.isObject()) {
            throw new ValidationException(ErrorDetail.of("Input should be a valid dictionary or object to extract fields from",
                    "model_attributes_type", "body"));
        }
        return tree;
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

    String pattern(String value, Pattern p, Object... loc) {
        if (!p.matcher(value).matches()) {
            errors.add(ErrorDetail.of("String should match pattern '" + p.pattern() + "'", "string_pattern_mismatch", loc));
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
}
