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
     * as PublicBaseUrl, or test settings).
     */
    public Map<String, String> functionEnvironment(CfnTemplate template, String functionLogicalId,
                                                   Map<String, String> parameters) {
        Map<String, String> scope = new LinkedHashMap<>(refs);
        scope.putAll(parameters);
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode globals = template.root().path("Globals").path("Function").path("Environment").path("Variables");
        JsonNode own = template.resource(functionLogicalId).path("Properties").path("Environment").path("Variables");
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
        env.put("AWS_REGION", region);
        return env;
    }
}
