package dev.hydracore.voice.runner;

import java.util.Map;

/**
 * What a Lambda execution environment knows about its function, from the variables Lambda (and
 * SAM local) set: {@code _HANDLER}, {@code AWS_LAMBDA_FUNCTION_*}, {@code AWS_REGION}.
 */
record FunctionConfig(String handler, String name, String version, int memoryMb, long timeoutMillis,
                      String region, String logGroup, String logStream) {

    static FunctionConfig fromEnvironment() {
        return of(System.getenv());
    }

    static FunctionConfig of(Map<String, String> env) {
        String handler = env.get("_HANDLER");
        if (handler == null || handler.isBlank()) {
            throw new IllegalStateException("_HANDLER is not set: the local runtime names the handler there, as Lambda does");
        }
        String name = env.getOrDefault("AWS_LAMBDA_FUNCTION_NAME", "local-function");
        return new FunctionConfig(handler.strip(), name,
                env.getOrDefault("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
                Integer.parseInt(env.getOrDefault("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")),
                Long.parseLong(env.getOrDefault("AWS_LAMBDA_FUNCTION_TIMEOUT", "3")) * 1000,
                env.getOrDefault("AWS_REGION", "us-east-1"),
                env.getOrDefault("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + name),
                env.getOrDefault("AWS_LAMBDA_LOG_STREAM_NAME", "$LATEST"));
    }
}
