package dev.hydracore.voice.local;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * The complete process environment of a local function JVM: what Lambda itself sets (handler,
 * function name, memory, region, credentials), the function's variables from template.yaml
 * (resolved against the local resources), and the emulator endpoint. Nothing of this process's
 * own environment leaks in, so a variable the template forgot fails locally too.
 */
public final class LambdaEnvironment {
    private LambdaEnvironment() {}

    public static Map<String, String> of(LocalFunction function, Map<String, String> templateVariables,
                                         URI awsEndpoint, String region, AwsCredentials credentials) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("LANG", "en_US.UTF-8");
        env.put("TZ", "UTC");
        env.put("_HANDLER", function.handler());
        env.put("AWS_EXECUTION_ENV", "AWS_Lambda_java25");
        env.put("AWS_LAMBDA_FUNCTION_NAME", function.logicalId());
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(function.memoryMb()));
        env.put("AWS_LAMBDA_FUNCTION_TIMEOUT", Integer.toString(function.timeoutSeconds()));
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + function.logicalId());
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", "$LATEST");
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        env.put("AWS_REGION", region);
        env.put("AWS_DEFAULT_REGION", region);
        env.put("AWS_ACCESS_KEY_ID", credentials.accessKeyId());
        env.put("AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey());
        if (credentials instanceof AwsSessionCredentials s) {
            env.put("AWS_SESSION_TOKEN", s.sessionToken());
        }
        env.putAll(templateVariables);
        // After the template's variables: locally the emulator is the only AWS there is.
        env.put("AWS_ENDPOINT_URL", awsEndpoint.toString());
        env.put("AWS_REGION", region);
        return env;
    }
}
