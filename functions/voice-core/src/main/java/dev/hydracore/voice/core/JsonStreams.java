package dev.hydracore.voice.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * Jackson's streaming layer, which every request path uses: one shared {@link JsonFactory} for
 * generators ({@link #write}) and parsers, and a tree reader that builds the same {@link JsonNode}s as
 * {@code ObjectMapper.readTree} without an ObjectMapper. Building an ObjectMapper costs tens of
 * milliseconds of a cold start; nothing on a handler's path needs one. {@link Json#MAPPER} shares
 * this factory, for code off the request path (tests, tooling).
 */
public final class JsonStreams {
    public static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonStreams() {}

    /** Serializes with the shared factory; bodies are small, so a String is fine. */
    public static String write(JsonWriter body) {
        StringWriter w = new StringWriter(256);
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /** The document as a tree; empty input is a MissingNode, as with ObjectMapper.readTree. */
    public static JsonNode readTree(InputStream in) throws IOException {
        try (JsonParser p = FACTORY.createParser(in)) {
            return readDocument(p);
        }
    }

    public static JsonNode readTree(byte[] in) throws IOException {
        try (JsonParser p = FACTORY.createParser(in)) {
            return readDocument(p);
        }
    }

    /**
     * The next value of {@code p} as a tree (a MissingNode at the end of input), leaving the parser
     * after it: the caller can check what follows (a body's trailing data, say).
     */
    public static JsonNode readTree(JsonParser p) throws IOException {
        return readDocument(p);
    }

    private static JsonNode readDocument(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        return t == null ? MissingNode.getInstance() : read(p, t);
    }

    // Depth is bounded by the parser's own StreamReadConstraints (nesting depth 1000).
    private static JsonNode read(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
                    String name = p.currentName();
                    o.set(name, read(p, p.nextToken()));
                }
                yield o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    a.add(read(p, e));
                }
                yield a;
            }
            case VALUE_STRING -> NODES.textNode(p.getText());
            case VALUE_NUMBER_INT ->
                switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDoubleValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            case VALUE_EMBEDDED_OBJECT -> NODES.pojoNode(p.getEmbeddedObject());
            default -> throw new JsonParseException(p, "unexpected token " + t);
        };
    }

    @FunctionalInterface
    public interface JsonWriter {
        void write(JsonGenerator g) throws IOException;
    }
}
