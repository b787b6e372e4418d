package dev.hydracore.voice.local;

import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.LocalResources;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * template.yaml's functions wired to a local AWS: what {@code ./hydra local} serves and
 * {@code ./hydra invoke} runs, and what their tests drive.
 */
public final class LocalRuntime implements AutoCloseable {
    /** Execution environments per function: enough for concurrent requests, few enough for 2 cores. */
    public static final int MAX_ENVIRONMENTS = 4;

    private final List<LocalFunction> functions;
    private final FunctionLauncher launcher;
    private final Map<String, FunctionPool> pools = new LinkedHashMap<>();
    private boolean closed;

    /**
     * Every function initialized as the template says (SnapStart or on demand).
     *
     * @param parameters template parameter values (PublicBaseUrl…), over the template's defaults
     */
    public LocalRuntime(
            Path root,
            CfnTemplate template,
            LocalResources resources,
            Map<String, String> parameters,
            URI awsEndpoint,
            AwsCredentialsProvider credentials) {
        this(root, template, resources, parameters, awsEndpoint, credentials, Optional.empty());
    }

    /**
     * @param initType every function initialized this way instead of the template's (./hydra local --init-type)
     */
    public LocalRuntime(
            Path root,
            CfnTemplate template,
            LocalResources resources,
            Map<String, String> parameters,
            URI awsEndpoint,
            AwsCredentialsProvider credentials,
            Optional<InitType> initType) {
        this.functions = LocalFunction.fromTemplate(template).stream()
                .map(f -> initType.map(f::withInitType).orElse(f))
                .toList();
        this.launcher = new FunctionLauncher(
                FunctionJvm.forProject(root),
                f -> LambdaEnvironment.of(
                        f,
                        resources.functionEnvironment(template, f.logicalId(), parameters),
                        awsEndpoint,
                        resources.region(),
                        credentials.resolveCredentials()),
                credentials::resolveCredentials,
                FunctionLauncher.CREDENTIALS_LIFETIME);
        // Fail now, not on the first request, when a function was never packaged; unpack each package once.
        functions.forEach(f -> {
            FunctionCode.lambdaJar(root, f);
            FunctionCode.taskRoot(root, f);
        });
    }

    public List<LocalFunction> functions() {
        return functions;
    }

    public LocalFunction function(String logicalId) {
        return LocalFunction.find(functions, logicalId);
    }

    public FunctionLauncher launcher() {
        return launcher;
    }

    public Router router() {
        return new Router(functions.stream().flatMap(f -> f.routes().stream()).toList());
    }

    /** Runs an event in the function's warm environments (the local server's path). */
    public InvokeResult invokeWarm(String functionId, String requestId, byte[] event) {
        FunctionPool pool;
        synchronized (pools) {
            if (closed) {
                return InvokeResult.environmentFailed("the local runtime is stopping");
            }
            pool = pools.computeIfAbsent(functionId, id -> new FunctionPool(function(id), launcher, MAX_ENVIRONMENTS));
        }
        return pool.invoke(requestId, event);
    }

    /** Runs one event in a fresh JVM (the {@code ./hydra invoke} path). */
    public InvokeResult invokeOnce(String functionId, Path event) {
        return launcher.invokeOnce(function(functionId), event);
    }

    /** Live function JVMs, by process id. */
    public List<Long> environmentPids() {
        synchronized (pools) {
            return pools.values().stream().flatMap(p -> p.pids().stream()).toList();
        }
    }

    @Override
    public void close() {
        List<FunctionPool> all;
        synchronized (pools) {
            closed = true;
            all = List.copyOf(pools.values());
            pools.clear();
        }
        all.forEach(FunctionPool::close);
    }
}
