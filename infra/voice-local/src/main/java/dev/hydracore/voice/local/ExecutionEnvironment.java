package dev.hydracore.voice.local;

import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Lambda execution environment: a function JVM running AWS's runtime interface client
 * against a Runtime API of its own ({@link RuntimeApi}), and, with SnapStart, the
 * container-credentials endpoint its SDK gets credentials from. One invocation at a time. The
 * function's {@code Timeout} is enforced as Lambda does: past its deadline the invocation fails
 * with {@code Sandbox.Timedout} and the environment is destroyed (the pool starts a new one).
 * When this process dies, the Runtime API goes with it and the client exits on its next request,
 * so no function JVM outlives the local runtime.
 */
public final class ExecutionEnvironment implements AutoCloseable {
    /**
     * How long the JVM's start and init may take before the first invocation is given up (Lambda
     * allows 10 s of init on demand; a SnapStart init, priming included, runs when a version is
     * published and may take longer). Generous: the machine may be busy with other JVMs.
     */
    static final long INIT_MILLIS_ON_DEMAND = 30_000;

    static final long INIT_MILLIS_SNAP_START = 60_000;
    /** How long a warm environment's client may take to ask for the next invocation. */
    static final long WARM_TAKE_MILLIS = 10_000;

    private final LocalFunction function;
    private final Process process;
    private final RuntimeApi api;
    private final ContainerCredentials credentials;
    private final long startedNanos;
    private boolean initialized;

    ExecutionEnvironment(
            LocalFunction function,
            Process process,
            RuntimeApi api,
            ContainerCredentials credentials,
            long startedNanos) {
        this.function = function;
        this.process = process;
        this.api = api;
        this.credentials = credentials;
        this.startedNanos = startedNanos;
        FunctionLauncher.copyInBackground(process.getInputStream(), System.err, function.logicalId());
        FunctionLauncher.copyInBackground(process.getErrorStream(), System.err, function.logicalId());
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public LocalFunction function() {
        return function;
    }

    /** This environment's Runtime API (and its lifecycle timestamps). */
    public RuntimeApi runtimeApi() {
        return api;
    }

    /** The credentials endpoint, with SnapStart; empty on demand. */
    public Optional<ContainerCredentials> containerCredentials() {
        return Optional.ofNullable(credentials);
    }

    /** {@link System#nanoTime} just before the JVM was started. */
    public long startedNanos() {
        return startedNanos;
    }

    /** Runs one event; a dead or wedged JVM is reported as {@link InvokeResult.Outcome#ENVIRONMENT_FAILED}. */
    public InvokeResult invoke(String requestId, byte[] event) {
        long timeoutMillis = function.timeoutSeconds() * 1000L;
        RuntimeApi.Invocation inv = api.offer(requestId, event, timeoutMillis);
        try {
            // A warm client is already waiting in next; a new one first starts and initializes.
            long initMillis = initialized
                    ? WARM_TAKE_MILLIS
                    : function.initType() == InitType.SNAP_START ? INIT_MILLIS_SNAP_START : INIT_MILLIS_ON_DEMAND;
            try {
                CompletableFuture.anyOf(inv.dispatched(), inv.result(), process.onExit())
                        .get(initMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                kill();
                return InvokeResult.environmentFailed(
                        function.logicalId() + ": the function JVM did not take an invocation within "
                                + initMillis / 1000 + " s (see its log above)");
            }
            if (inv.result().isDone()) {
                return settled(inv);
            }
            if (!inv.dispatched().isDone()) {
                return exited(inv);
            }
            initialized = true;
            long deadline = inv.dispatched().join();
            try {
                CompletableFuture.anyOf(inv.result(), process.onExit())
                        .get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (!inv.result().isDone()) {
                    // What Lambda does past the deadline: the invocation fails and the environment is reset.
                    kill();
                    return new InvokeResult(
                            InvokeResult.Outcome.TIMEOUT,
                            RuntimeApi.errorJson(
                                    "Sandbox.Timedout",
                                    String.format(
                                            Locale.ROOT, "Task timed out after %.2f seconds", timeoutMillis / 1000.0)));
                }
            }
            return inv.result().isDone() ? settled(inv) : exited(inv);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            return InvokeResult.environmentFailed("interrupted");
        } catch (ExecutionException e) {
            kill();
            return InvokeResult.environmentFailed(function.logicalId() + ": " + e.getCause());
        }
    }

    private InvokeResult settled(RuntimeApi.Invocation inv) {
        InvokeResult r = inv.result().join();
        if (r.outcome() == InvokeResult.Outcome.INIT_ERROR) {
            // The client exits after reporting it; Lambda then retries init in a fresh environment.
            kill();
        }
        return r;
    }

    private InvokeResult exited(RuntimeApi.Invocation inv) {
        // The client reports init failures before it exits; give the report a moment to land.
        try {
            byte[] init = api.initError().get(500, TimeUnit.MILLISECONDS);
            kill();
            return new InvokeResult(InvokeResult.Outcome.INIT_ERROR, init);
        } catch (TimeoutException | ExecutionException e) {
            kill();
            return InvokeResult.environmentFailed(
                    function.logicalId() + ": the function JVM exited (see its log above)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            return InvokeResult.environmentFailed("interrupted");
        }
    }

    private void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        api.close();
    }

    /**
     * Ends the environment: SIGTERM (a JVM exiting this way still writes an AOT cache it is
     * training), then SIGKILL if it lingers, then the Runtime API.
     */
    @Override
    public void close() {
        stop(java.time.Duration.ofSeconds(5));
    }

    /** {@link #close} with {@code grace} for the JVM to exit on SIGTERM (an AOT training run writes its cache then). */
    public void stop(java.time.Duration grace) {
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
                process.waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
        }
        api.close();
    }
}
