package dev.hydracore.voice.local;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * The process environment of a local function JVM, before the execution environment's own
 * variables ({@code AWS_LAMBDA_RUNTIME_API}, {@code LAMBDA_TASK_ROOT}, the container-credentials
 * endpoint, which {@link FunctionLauncher} adds): what Lambda itself sets (handler, function name,
 * version, memory, log group and stream, initialization type, region), the function's variables from
 * template.yaml (resolved against the local resources, {@code JAVA_TOOL_OPTIONS} included), and the
 * emulator endpoint. Credentials as Lambda gives them: access-key variables on demand, none at all
 * with SnapStart (the container endpoint serves them). Nothing of this process's own environment
 * leaks in, so a variable the template forgot fails locally too.
 */
public final class LambdaEnvironment {
    /** What a SnapStart function's environment never holds. */
    public static final java.util.List<String> CREDENTIAL_VARIABLES =
            java.util.List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN");

    private LambdaEnvironment() {}

    public static Map<String, String> of(
            LocalFunction function,
            Map<String, String> templateVariables,
            URI awsEndpoint,
            String region,
            AwsCredentials credentials) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("LANG", "en_US.UTF-8");
        env.put("TZ", "UTC");
        env.put("_HANDLER", function.handler());
        env.put("AWS_EXECUTION_ENV", "AWS_Lambda_java25");
        env.put("AWS_LAMBDA_FUNCTION_NAME", function.logicalId());
        boolean snapStart = function.initType() == InitType.SNAP_START;
        // SnapStart runs published versions only; on demand, the unpublished $LATEST.
        String version = snapStart ? "1" : "$LATEST";
        env.put("AWS_LAMBDA_FUNCTION_VERSION", version);
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(function.memoryMb()));
        env.put("AWS_LAMBDA_FUNCTION_TIMEOUT", Integer.toString(function.timeoutSeconds()));
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + function.logicalId());
        env.put(
                "AWS_LAMBDA_LOG_STREAM_NAME",
                java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString().replace('-', '/') + "/[" + version
                        + "]local");
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", function.initType().value());
        env.put("AWS_REGION", region);
        env.put("AWS_DEFAULT_REGION", region);
        if (!snapStart) {
            env.put("AWS_ACCESS_KEY_ID", credentials.accessKeyId());
            env.put("AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey());
            if (credentials instanceof AwsSessionCredentials s) {
                env.put("AWS_SESSION_TOKEN", s.sessionToken());
            }
        }
        env.putAll(templateVariables);
        // After the template's variables: locally the emulator is the only AWS there is (none when
        // ./hydra local --stack runs against a stack in AWS itself).
        if (awsEndpoint != null) {
            env.put("AWS_ENDPOINT_URL", awsEndpoint.toString());
        } else {
            env.remove("AWS_ENDPOINT_URL");
        }
        env.put("AWS_REGION", region);
        if (snapStart) {
            for (String v : CREDENTIAL_VARIABLES) {
                env.remove(v);
            }
        }
        return env;
    }
}
