package dev.hydracore.voice.local;

import dev.hydracore.voice.runner.LambdaRunner;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Starts function JVMs the way Lambda starts an execution environment: a fresh process with
 * exactly the function's environment (see {@link LambdaEnvironment}), started as {@link FunctionJvm}
 * defines (the same command ./hydra bench times, AOT cache included when it is usable). Everything
 * stays on the class path (no custom class loader) so a JVM AOT cache can cover function classes.
 */
public final class FunctionLauncher {
    private final FunctionJvm jvm;
    private final Function<LocalFunction, Map<String, String>> environment;

    /** @param environment a function's complete process environment */
    public FunctionLauncher(FunctionJvm jvm, Function<LocalFunction, Map<String, String>> environment) {
        this.jvm = jvm;
        this.environment = environment;
    }

    public FunctionJvm jvm() {
        return jvm;
    }

    ProcessBuilder processBuilder(LocalFunction function, String... runnerArgs) {
        ProcessBuilder pb = new ProcessBuilder(jvm.command(function, List.of(), runnerArgs));
        pb.environment().clear();
        pb.environment().putAll(environment.apply(function));
        return pb;
    }

    /** A warm environment for the local server (runner --serve). */
    public ExecutionEnvironment start(LocalFunction function) throws IOException {
        return new ExecutionEnvironment(function, processBuilder(function, "--serve").start());
    }

    /**
     * One invocation in a JVM of its own (runner --once), as {@code sam local invoke} does; the
     * function's logs are copied to this process's stderr.
     */
    public InvokeResult invokeOnce(LocalFunction function, Path event) {
        Process p;
        try {
            p = processBuilder(function, "--once", event.toAbsolutePath().toString()).start();
        } catch (IOException e) {
            return InvokeResult.environmentFailed("cannot start the function JVM: " + e.getMessage());
        }
        try {
            p.getOutputStream().close();
            Thread logs = copyInBackground(p.getErrorStream(), System.err, function.logicalId());
            byte[] out = p.getInputStream().readAllBytes();
            // The runner enforces Timeout itself; this only guards against a wedged JVM.
            if (!p.waitFor(function.timeoutSeconds() + 30L, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return InvokeResult.environmentFailed("the function JVM did not exit");
            }
            logs.join(2000);
            return switch (p.exitValue()) {
                case 0 -> new InvokeResult(InvokeResult.Outcome.RESULT, out);
                case LambdaRunner.EXIT_FUNCTION_ERROR -> new InvokeResult(
                        new String(out, java.nio.charset.StandardCharsets.UTF_8).contains("\"Sandbox.Timedout\"")
                                ? InvokeResult.Outcome.TIMEOUT : InvokeResult.Outcome.FUNCTION_ERROR, out);
                case LambdaRunner.EXIT_INIT_ERROR -> new InvokeResult(InvokeResult.Outcome.INIT_ERROR, out);
                default -> InvokeResult.environmentFailed("the function JVM exited with status " + p.exitValue());
            };
        } catch (IOException e) {
            return InvokeResult.environmentFailed("lost the function JVM: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return InvokeResult.environmentFailed("interrupted");
        } finally {
            p.destroyForcibly();
        }
    }

    /** Copies a function's output to ours, shown as {@link LogDisplay} says. */
    static Thread copyInBackground(InputStream from, OutputStream to, String name) {
        return LogDisplay.copyInBackground(from, to, name);
    }
}
