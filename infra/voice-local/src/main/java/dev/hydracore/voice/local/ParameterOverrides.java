package dev.hydracore.voice.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.tooling.CfnTemplate;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * {@code --parameter-overrides}, as {@code sam local} reads it: {@code Name=Value} pairs, several per
 * argument separated by spaces ({@code 'A=1 B=2'}), or CloudFormation's
 * {@code ParameterKey=A,ParameterValue=1}; values may be quoted ({@code A="x y"}). Every name must be a
 * parameter of the template; a Number must be a number and AllowedValues/AllowedPattern hold.
 * MinValue/MaxValue/MinLength/MaxLength only warn: overriding below them is what local runs are
 * for (e.g. MaxCallSeconds=5 to watch the sweeper), although CloudFormation would refuse it.
 */
public final class ParameterOverrides {
    private static final Pattern CFN_FORM = Pattern.compile("ParameterKey=([^,]+),ParameterValue=(.*)", Pattern.DOTALL);

    private ParameterOverrides() {}

    /** Parses and checks; throws {@link IllegalArgumentException} with a message for the user. */
    public static Map<String, String> parse(List<String> arguments, CfnTemplate template, Consumer<String> warn) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode parameters = template.root().path("Parameters");
        for (String argument : arguments) {
            for (String token : tokens(argument)) {
                var cfn = CFN_FORM.matcher(token);
                String name;
                String value;
                if (cfn.matches()) {
                    name = cfn.group(1);
                    value = cfn.group(2);
                } else {
                    int eq = token.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException(
                                "--parameter-overrides takes Name=Value (or ParameterKey=Name,ParameterValue=Value), not '"
                                        + token + "'");
                    }
                    name = token.substring(0, eq);
                    value = token.substring(eq + 1);
                }
                JsonNode declared = parameters.get(name);
                if (declared == null) {
                    List<String> known = new ArrayList<>();
                    parameters.fieldNames().forEachRemaining(known::add);
                    throw new IllegalArgumentException(
                            "template.yaml has no parameter " + name + " (parameters: " + known + ")");
                }
                check(name, value, declared, warn);
                out.put(name, value);
            }
        }
        return out;
    }

    private static void check(String name, String value, JsonNode p, Consumer<String> warn) {
        if (p.path("Type").asText().equals("Number")) {
            BigDecimal n;
            try {
                n = new BigDecimal(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("parameter " + name + " is a Number, not '" + value + "'");
            }
            if (p.has("MinValue")
                            && n.compareTo(new BigDecimal(p.get("MinValue").asText())) < 0
                    || p.has("MaxValue")
                            && n.compareTo(new BigDecimal(p.get("MaxValue").asText())) > 0) {
                warn.accept("parameter " + name + "=" + value + " is outside the template's MinValue/MaxValue ("
                        + p.path("MinValue").asText("-") + ".."
                        + p.path("MaxValue").asText("-")
                        + "): used locally as asked, but a deploy would refuse it");
            }
        } else if (p.has("MinLength") && value.length() < p.get("MinLength").asInt()
                || p.has("MaxLength") && value.length() > p.get("MaxLength").asInt()) {
            warn.accept(
                    "parameter " + name
                            + " is outside the template's MinLength/MaxLength: used locally as asked, but a deploy would refuse it");
        }
        if (p.has("AllowedValues")) {
            List<String> allowed = new ArrayList<>();
            p.get("AllowedValues").forEach(v -> allowed.add(v.asText()));
            if (!allowed.contains(value)) {
                throw new IllegalArgumentException("parameter " + name + " must be one of " + allowed);
            }
        }
        if (p.has("AllowedPattern")
                && !Pattern.compile(p.get("AllowedPattern").asText())
                        .matcher(value)
                        .matches()) {
            throw new IllegalArgumentException("parameter " + name + " must match "
                    + p.get("AllowedPattern").asText());
        }
    }

    /** Splits on spaces outside quotes and drops the quotes, as a shell would inside one argument. */
    static List<String> tokens(String argument) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inToken = false;
        char quote = 0;
        for (int i = 0; i < argument.length(); i++) {
            char c = argument.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inToken = true;
            } else if (Character.isWhitespace(c)) {
                if (inToken) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    inToken = false;
                }
            } else {
                cur.append(c);
                inToken = true;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("--parameter-overrides: unclosed " + quote + " in '" + argument + "'");
        }
        if (inToken) {
            out.add(cur.toString());
        }
        return out;
    }
}
