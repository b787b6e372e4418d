package dev.hydracore.voice.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;

/**
 * Starts execution environments the way Lambda does: a fresh function JVM (the command
 * {@link FunctionJvm} defines, the same one ./hydra bench times, AOT cache included when usable)
 * running AWS's runtime interface client in the function's task root, with exactly the function's
 * environment (see {@link LambdaEnvironment}) plus the environment's own: its Runtime API
 * ({@code AWS_LAMBDA_RUNTIME_API}), {@code LAMBDA_TASK_ROOT}, {@code LAMBDA_RUNTIME_DIR} and, with
 * SnapStart, the container-credentials endpoint and its token (and no access-key variable).
 */
public final class FunctionLauncher {
    /** How long container credentials live (the SDK refreshes them from 15 min before they expire). */
    static final Duration CREDENTIALS_LIFETIME = Duration.ofHours(1);

    private final FunctionJvm jvm;
    private final Function<LocalFunction, Map<String, String>> environment;
    private final Supplier<AwsCredentials> credentials;
    private final Duration credentialsLifetime;

    /**
     * @param environment a function's process environment (see {@link LambdaEnvironment})
     * @param credentials what the container-credentials endpoint hands a SnapStart function
     */
    public FunctionLauncher(
            FunctionJvm jvm,
            Function<LocalFunction, Map<String, String>> environment,
            Supplier<AwsCredentials> credentials,
            Duration credentialsLifetime) {
        this.jvm = jvm;
        this.environment = environment;
        this.credentials = credentials;
        this.credentialsLifetime = credentialsLifetime;
    }

    /** For functions that need no AWS (tests' own): the endpoint hands out the emulator's dummy keys. */
    public FunctionLauncher(FunctionJvm jvm, Function<LocalFunction, Map<String, String>> environment) {
        this(jvm, environment, () -> AwsBasicCredentials.create("test", "test"), CREDENTIALS_LIFETIME);
    }

    public FunctionJvm jvm() {
        return jvm;
    }

    /** The function JVM's process, for an environment with this Runtime API (and credentials endpoint, or null). */
    ProcessBuilder processBuilder(LocalFunction function, RuntimeApi api, ContainerCredentials endpoint) {
        return processBuilder(function, jvm.command(function, List.of()), api, endpoint);
    }

    private ProcessBuilder processBuilder(
            LocalFunction function, List<String> command, RuntimeApi api, ContainerCredentials endpoint) {
        ProcessBuilder pb = new ProcessBuilder(command);
        Path taskRoot = jvm.taskRoot(function);
        pb.directory(taskRoot.toFile());
        pb.environment().clear();
        pb.environment().putAll(environment.apply(function));
        pb.environment().put("AWS_LAMBDA_RUNTIME_API", api.address());
        pb.environment().put("LAMBDA_TASK_ROOT", taskRoot.toString());
        pb.environment()
                .put(
                        "LAMBDA_RUNTIME_DIR",
                        RuntimeClient.jars().getFirst().getParent().toString());
        if (endpoint != null) {
            pb.environment().putAll(endpoint.environment());
            LambdaEnvironment.CREDENTIAL_VARIABLES.forEach(pb.environment()::remove);
        }
        return pb;
    }

    /** A new execution environment (its JVM starts initializing at once, as Lambda's init does). */
    public ExecutionEnvironment start(LocalFunction function) throws IOException {
        return start(function, jvm.command(function, List.of()), null);
    }

    /**
     * An environment whose JVM runs {@code command} (one of {@link FunctionJvm}'s: the bench's
     * variants without AOT cache, with extra options, the training run), its output to {@code log}
     * (null: copied to this process's stderr).
     */
    public ExecutionEnvironment start(LocalFunction function, List<String> command, Path log) throws IOException {
        RuntimeApi api = new RuntimeApi("arn:aws:lambda:" + region(function) + ":000000000000:function:"
                + function.logicalId() + (function.initType() == InitType.SNAP_START ? ":live" : ""));
        try {
            ContainerCredentials endpoint = function.initType() == InitType.SNAP_START
                    ? new ContainerCredentials(api.server(), credentials, credentialsLifetime)
                    : null;
            ProcessBuilder pb = processBuilder(function, command, api, endpoint);
            if (log != null) {
                pb.redirectErrorStream(true).redirectOutput(log.toFile());
            }
            long started = System.nanoTime();
            Process p = pb.start();
            return new ExecutionEnvironment(function, p, api, endpoint, started);
        } catch (IOException | RuntimeException e) {
            api.close();
            throw e;
        }
    }

    private String region(LocalFunction function) {
        return environment.apply(function).getOrDefault("AWS_REGION", "us-east-1");
    }

    /**
     * One invocation in an environment of its own, as {@code sam local invoke} does; the
     * function's logs are copied to this process's stderr.
     */
    public InvokeResult invokeOnce(LocalFunction function, Path event) {
        byte[] payload;
        try {
            payload = Files.readAllBytes(event);
        } catch (IOException e) {
            return InvokeResult.environmentFailed("cannot read the event " + event + ": " + e.getMessage());
        }
        ExecutionEnvironment env;
        try {
            env = start(function);
        } catch (IOException e) {
            return InvokeResult.environmentFailed("cannot start the function JVM: " + e.getMessage());
        }
        try (env) {
            return env.invoke(UUID.randomUUID().toString(), payload);
        }
    }

    /** Copies a function's output to ours, shown as {@link LogDisplay} says. */
    static Thread copyInBackground(InputStream from, OutputStream to, String name) {
        return LogDisplay.copyInBackground(from, to, name);
    }
}
