package dev.hydracore.voice.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.tooling.Bootstrap;
import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.LocalAws;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code --env-vars} file for {@code sam local invoke} / {@code start-api} (Docker): every
 * template variable that is an intrinsic gets the value ./hydra bootstrap gives it at an emulator
 * (stack {@value Bootstrap#DEFAULT_STACK}), and every function calls the emulator at
 * {@value #EMULATOR_FROM_DOCKER}. SAM only sets variables the template declares, hence
 * AWS_ENDPOINT_URL in the template's Globals (empty, and so absent, when deployed).
 * events/env-vars.json is this output; a test keeps the two equal.
 */
public final class SamEnvVars {
    /** LocalStack's (or any emulator's) port on the Docker host, as seen from a SAM container. */
    public static final String EMULATOR_FROM_DOCKER = "http://host.docker.internal:4566";
    /** sam local start-api's default address, for webhook URLs. */
    public static final String SAM_LOCAL_URL = "http://127.0.0.1:3000";

    private static final String ACCOUNT = "123456789012";

    private SamEnvVars() {}

    public static ObjectNode generate(CfnTemplate template) {
        String stack = Bootstrap.DEFAULT_STACK;
        String region = LocalAws.REGION;
        Map<String, String> refs = new HashMap<>();
        refs.put("AWS::StackName", stack);
        refs.put("AWS::Region", region);
        refs.put("AWS::AccountId", ACCOUNT);
        refs.put("AWS::Partition", "aws");
        refs.put("AWS::URLSuffix", "amazonaws.com");
        refs.putAll(template.parameterDefaults());
        refs.put("PublicBaseUrl", SAM_LOCAL_URL);
        Map<String, String> names = Bootstrap.expectedNames(template, stack);
        template.resources("AWS::DynamoDB::Table").forEach((id, r) -> {
            refs.put(id, names.get(id));
            refs.put(id + ".Arn", "arn:aws:dynamodb:" + region + ":" + ACCOUNT + ":table/" + names.get(id));
        });
        template.resources("AWS::SecretsManager::Secret").forEach((id, r) -> {
            // A secret's name works wherever its ARN does (GetSecretValue's SecretId).
            refs.put(id, names.get(id));
            refs.put(id + ".Name", names.get(id));
        });
        template.resources("AWS::KMS::Alias").forEach((id, r) -> {
            String alias = CfnTemplate.evaluate(r.path("Properties").path("AliasName"), refs::get);
            JsonNode target = r.path("Properties").path("TargetKeyId");
            String keyId = target.has("Ref")
                    ? target.get("Ref").asText()
                    : target.path("Fn::GetAtt").path(0).asText();
            // The key's id is random per emulator; its alias names it everywhere a key id is taken.
            refs.put(id, alias);
            refs.put(keyId, alias);
            refs.put(keyId + ".KeyId", alias);
            refs.put(keyId + ".Arn", "arn:aws:kms:" + region + ":" + ACCOUNT + ":" + alias);
        });

        ObjectNode file = Json.object();
        file.putObject("Parameters").put("AWS_ENDPOINT_URL", EMULATOR_FROM_DOCKER);
        JsonNode globals = template.root()
                .path("Globals")
                .path("Function")
                .path("Environment")
                .path("Variables");
        for (LocalFunction f : LocalFunction.fromTemplate(template)) {
            ObjectNode vars = file.putObject(f.logicalId());
            JsonNode own = template.resource(f.logicalId())
                    .path("Properties")
                    .path("Environment")
                    .path("Variables");
            for (JsonNode set : new JsonNode[] {globals, own}) {
                set.properties().forEach(e -> {
                    // Literals reach the container as the template says; SAM can't resolve the rest.
                    if (!e.getValue().isValueNode() && !e.getKey().equals("AWS_ENDPOINT_URL")) {
                        vars.put(e.getKey(), CfnTemplate.evaluate(e.getValue(), refs::get));
                    }
                });
            }
        }
        return file;
    }
}
