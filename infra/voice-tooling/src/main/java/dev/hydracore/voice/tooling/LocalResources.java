package dev.hydracore.voice.tooling;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the template's references resolve to on the local emulator after {@link Bootstrap}:
 * physical names and ARNs by logical id, parameters, pseudo parameters.
 */
public record LocalResources(String stackName, String region, Map<String, String> refs) {

    public LocalResources {
        refs = Map.copyOf(refs);
    }

    public String ref(String name) {
        String v = refs.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no local value for template reference " + name);
        }
        return v;
    }

    public String tableName() {
        return ref("VoiceTable");
    }

    public String pepperSecretId() {
        return ref("ApiKeyPepper");
    }

    public String kmsKeyId() {
        return ref("CredentialsKey");
    }

    /**
     * A function's environment as the template declares it (Globals, then the function's own
     * variables), with every intrinsic resolved locally. {@code overrides} win (parameters such
     * as PublicBaseUrl, or test settings). Plus what Lambda sets from its LoggingConfig
     * ({@link #lambdaLogging}), so a function logs locally the way it will on Lambda.
     */
    public Map<String, String> functionEnvironment(
            CfnTemplate template, String functionLogicalId, Map<String, String> parameters) {
        Map<String, String> scope = new LinkedHashMap<>(refs);
        scope.putAll(parameters);
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode globals = template.root()
                .path("Globals")
                .path("Function")
                .path("Environment")
                .path("Variables");
        JsonNode own = template.resource(functionLogicalId)
                .path("Properties")
                .path("Environment")
                .path("Variables");
        for (JsonNode vars : new JsonNode[] {globals, own}) {
            vars.properties().forEach(e -> {
                String value = template.evaluateIn(e.getValue(), scope::get);
                // AWS::NoValue (e.g. AWS_ENDPOINT_URL when not running under sam local) sets nothing.
                if (value != null) {
                    env.put(e.getKey(), value);
                } else {
                    env.remove(e.getKey());
                }
            });
        }
        env.putAll(lambdaLogging(template, functionLogicalId, scope));
        env.put("AWS_REGION", region);
        return env;
    }

    /**
     * The variables Lambda derives from a function's LoggingConfig (its own keys over Globals'):
     * AWS_LAMBDA_LOG_FORMAT; with JSON, AWS_LAMBDA_LOG_LEVEL (ApplicationLogLevel, INFO when unset);
     * AWS_LAMBDA_LOG_GROUP_NAME when LogGroup names one (a Ref to the template's log group is its
     * LogGroupName). Nothing when the template declares no LoggingConfig.
     */
    Map<String, String> lambdaLogging(CfnTemplate template, String functionLogicalId, Map<String, String> scope) {
        Map<String, String> names = new LinkedHashMap<>(scope);
        names.putIfAbsent("AWS::StackName", stackName);
        names.putIfAbsent("AWS::Region", region);
        JsonNode globals = template.root().path("Globals").path("Function").path("LoggingConfig");
        JsonNode own = template.resource(functionLogicalId).path("Properties").path("LoggingConfig");
        Map<String, String> out = new LinkedHashMap<>();
        String format = setting(template, own, globals, "LogFormat", names);
        if (format != null) {
            out.put("AWS_LAMBDA_LOG_FORMAT", format);
            if (format.equals("JSON")) {
                String level = setting(template, own, globals, "ApplicationLogLevel", names);
                out.put("AWS_LAMBDA_LOG_LEVEL", level == null ? "INFO" : level);
            }
        }
        JsonNode group = own.has("LogGroup") ? own.get("LogGroup") : globals.get("LogGroup");
        if (group != null) {
            JsonNode resource =
                    group.has("Ref") ? template.resource(group.get("Ref").asText()) : null;
            String name = resource != null
                            && "AWS::Logs::LogGroup"
                                    .equals(resource.path("Type").asText())
                    ? template.evaluateIn(resource.path("Properties").get("LogGroupName"), names::get)
                    : template.evaluateIn(group, names::get);
            if (name != null) {
                out.put("AWS_LAMBDA_LOG_GROUP_NAME", name);
            }
        }
        return out;
    }

    private static String setting(
            CfnTemplate template, JsonNode own, JsonNode globals, String key, Map<String, String> names) {
        JsonNode v = own.has(key) ? own.get(key) : globals.get(key);
        return v == null ? null : template.evaluateIn(v, names::get);
    }
}
