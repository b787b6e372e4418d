package dev.hydracore.voice.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The one shared Jackson mapper, for code off the request path (tests, tooling, priming). Request
 * paths use {@link JsonStreams}: its factory is this mapper's, without the cost of building it.
 */
public final class Json {
    public static final ObjectMapper MAPPER =
            new ObjectMapper(JsonStreams.FACTORY).disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    public static final JsonFactory FACTORY = MAPPER.getFactory();

    private Json() {}

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }
}
