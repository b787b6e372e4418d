package dev.hydracore.voice.tooling;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * template.yaml as a tree, with CloudFormation's short-form tags ({@code !Ref X},
 * {@code !GetAtt A.B}, {@code !Sub ...}) turned into their long form ({@code {"Ref": "X"}},
 * {@code {"Fn::GetAtt": ["A","B"]}}, ...), and a small evaluator for the intrinsics a local run
 * needs. It is the one reader of the template: bootstrap, local runtime, invoke and bench use it.
 */
public final class CfnTemplate {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final ObjectNode root;

    private CfnTemplate(ObjectNode root) {
        this.root = root;
    }

    public static CfnTemplate load(Path file) {
        try (YAMLParser p = new YAMLFactory().createParser(Files.newBufferedReader(file))) {
            p.nextToken();
            return new CfnTemplate((ObjectNode) read(p));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public ObjectNode root() {
        return root;
    }

    /** Logical id → resource node, in template order, for resources of the given type. */
    public Map<String, JsonNode> resources(String type) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        root.path("Resources").properties().forEach(e -> {
            if (type.equals(e.getValue().path("Type").asText())) {
                out.put(e.getKey(), e.getValue());
            }
        });
        return out;
    }

    public JsonNode resource(String logicalId) {
        return root.path("Resources").path(logicalId);
    }

    /** Parameter defaults, overridable by the caller. */
    public Map<String, String> parameterDefaults() {
        Map<String, String> out = new LinkedHashMap<>();
        root.path("Parameters").properties().forEach(e -> {
            JsonNode d = e.getValue().get("Default");
            if (d != null) {
                out.put(e.getKey(), d.asText());
            }
        });
        return out;
    }

    /**
     * Evaluates a property value to a string: literals, Ref, Fn::GetAtt, Fn::Sub (string form).
     * {@code refs} answers a Ref/GetAtt name (a parameter, pseudo parameter or logical id, or
     * "Logical.Attr"); it returns null for names it can't resolve, which is an error here.
     */
    public static String evaluate(JsonNode value, Function<String, String> refs) {
        return evaluate(value, refs, name -> {
            throw new IllegalArgumentException(
                    "Fn::If needs the template's Conditions: use template.evaluateIn (" + name + ")");
        });
    }

    /**
     * {@link #evaluate(JsonNode, Function)} plus Fn::If on this template's Conditions; a value
     * that comes out as {@code AWS::NoValue} is null (the property is absent).
     */
    public String evaluateIn(JsonNode value, Function<String, String> refs) {
        return evaluate(value, refs, name -> condition(name, refs));
    }

    /** A condition of the template's Conditions section (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition). */
    public boolean condition(String name, Function<String, String> refs) {
        JsonNode c = root.path("Conditions").get(name);
        if (c == null) {
            throw new IllegalArgumentException("template has no condition " + name);
        }
        return truth(c, refs);
    }

    private boolean truth(JsonNode c, Function<String, String> refs) {
        if (c.has("Condition")) {
            return condition(c.get("Condition").asText(), refs);
        }
        if (c.has("Fn::Equals")) {
            JsonNode a = c.get("Fn::Equals");
            return java.util.Objects.equals(evaluateIn(a.get(0), refs), evaluateIn(a.get(1), refs));
        }
        if (c.has("Fn::Not")) {
            return !truth(c.get("Fn::Not").get(0), refs);
        }
        if (c.has("Fn::And") || c.has("Fn::Or")) {
            boolean and = c.has("Fn::And");
            for (JsonNode x : c.get(and ? "Fn::And" : "Fn::Or")) {
                if (truth(x, refs) != and) {
                    return !and;
                }
            }
            return and;
        }
        throw new IllegalArgumentException("unsupported condition in template: " + c);
    }

    private static String evaluate(
            JsonNode value, Function<String, String> refs, java.util.function.Predicate<String> conditions) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isValueNode()) {
            return value.asText();
        }
        if (value.has("Ref")) {
            String name = value.get("Ref").asText();
            return name.equals("AWS::NoValue") ? null : resolved(refs, name);
        }
        if (value.has("Fn::If")) {
            JsonNode a = value.get("Fn::If");
            return evaluate(conditions.test(a.get(0).asText()) ? a.get(1) : a.get(2), refs, conditions);
        }
        if (value.has("Fn::GetAtt")) {
            JsonNode a = value.get("Fn::GetAtt");
            String name = a.isArray() ? a.get(0).asText() + "." + a.get(1).asText() : a.asText();
            return resolved(refs, name);
        }
        if (value.has("Fn::Sub")) {
            JsonNode s = value.get("Fn::Sub");
            String text = s.isArray() ? s.get(0).asText() : s.asText();
            Matcher m = Pattern.compile("\\$\\{([^}]+)}").matcher(text);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement(resolved(refs, m.group(1))));
            }
            m.appendTail(out);
            return out.toString();
        }
        throw new IllegalArgumentException("unsupported intrinsic in template: " + value);
    }

    private static String resolved(Function<String, String> refs, String name) {
        String v = refs.apply(name);
        if (v == null) {
            throw new IllegalArgumentException("template reference cannot be resolved locally: " + name);
        }
        return v;
    }

    private static JsonNode read(YAMLParser p) throws IOException {
        String tag = p.getTypeId();
        JsonNode node;
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            ObjectNode o = NODES.objectNode();
            while (p.nextToken() != JsonToken.END_OBJECT) {
                String name = p.currentName();
                p.nextToken();
                o.set(name, read(p));
            }
            node = o;
        } else if (t == JsonToken.START_ARRAY) {
            ArrayNode a = NODES.arrayNode();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                a.add(read(p));
            }
            node = a;
        } else if (t == JsonToken.VALUE_NULL) {
            node = NODES.nullNode();
        } else if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
            node = NODES.booleanNode(t == JsonToken.VALUE_TRUE);
        } else if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
            node = NODES.numberNode(p.getDecimalValue());
        } else {
            node = TextNode.valueOf(p.getText());
        }
        return tag == null ? node : longForm(tag, node);
    }

    private static JsonNode longForm(String tag, JsonNode node) {
        String name = tag.startsWith("!") ? tag.substring(1) : tag;
        ObjectNode o = NODES.objectNode();
        if (name.equals("Ref") || name.equals("Condition")) {
            // The two intrinsics whose long form has no "Fn::" prefix.
            o.set(name, node);
        } else if (name.equals("GetAtt") && node.isTextual()) {
            String[] parts = node.asText().split("\\.", 2);
            ArrayNode a = NODES.arrayNode();
            for (String part : parts) {
                a.add(part);
            }
            o.set("Fn::GetAtt", a);
        } else {
            o.set("Fn::" + name, node);
        }
        return o;
    }

    /** Names of a list-valued property, e.g. the attribute names of a key schema. */
    public static List<String> texts(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        for (Iterator<JsonNode> it = array.elements(); it.hasNext(); ) {
            out.add(it.next().path(field).asText());
        }
        return out;
    }
}
