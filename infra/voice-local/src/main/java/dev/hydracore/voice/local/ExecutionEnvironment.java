package dev.hydracore.voice.local;

import dev.hydracore.voice.runner.LambdaRunner;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One warm function JVM (runner --serve): handles one event at a time, like a Lambda execution
 * environment, speaking the runner's framed protocol over its stdin/stdout. Closing its stdin
 * ends it, which is also what happens when this process dies.
 */
public final class ExecutionEnvironment implements AutoCloseable {
    private static final ScheduledExecutorService REAPER = Executors.newSingleThreadScheduledExecutor(r ->
            Thread.ofPlatform().daemon().name("environment-reaper").unstarted(r));
    /**
     * How long past its timeout a function JVM may stay silent before it is killed: the runner
     * enforces the timeout itself; this covers JVM start and init (Lambda allows 10 s) and a wedged JVM.
     */
    private static final long GRACE_MILLIS = 15_000;

    private final LocalFunction function;
    private final Process process;
    private final DataOutputStream toRunner;
    private final DataInputStream fromRunner;

    ExecutionEnvironment(LocalFunction function, Process process) {
        this.function = function;
        this.process = process;
        this.toRunner = new DataOutputStream(new BufferedOutputStream(process.getOutputStream()));
        this.fromRunner = new DataInputStream(new BufferedInputStream(process.getInputStream()));
        FunctionLauncher.copyInBackground(process.getErrorStream(), System.err, function.logicalId());
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Runs one event; a dead or wedged JVM is reported as {@link InvokeResult.Outcome#ENVIRONMENT_FAILED}. */
    public InvokeResult invoke(String requestId, byte[] event) {
        long timeoutMillis = function.timeoutSeconds() * 1000L;
        ScheduledFuture<?> reaper = REAPER.schedule(this::kill, timeoutMillis + GRACE_MILLIS, TimeUnit.MILLISECONDS);
        try {
            toRunner.writeUTF(requestId);
            toRunner.writeLong(timeoutMillis);
            toRunner.writeInt(event.length);
            toRunner.write(event);
            toRunner.flush();
            int kind = fromRunner.readUnsignedByte();
            byte[] payload = new byte[fromRunner.readInt()];
            fromRunner.readFully(payload);
            return new InvokeResult(switch (kind) {
                case LambdaRunner.RESULT -> InvokeResult.Outcome.RESULT;
                case LambdaRunner.FUNCTION_ERROR -> InvokeResult.Outcome.FUNCTION_ERROR;
                case LambdaRunner.TIMEOUT -> InvokeResult.Outcome.TIMEOUT;
                case LambdaRunner.INIT_ERROR -> InvokeResult.Outcome.INIT_ERROR;
                default -> throw new IOException("unknown runner outcome " + kind);
            }, payload);
        } catch (EOFException e) {
            kill();
            return InvokeResult.environmentFailed(function.logicalId() + ": the function JVM exited (see its log above)");
        } catch (IOException e) {
            kill();
            return InvokeResult.environmentFailed(function.logicalId() + ": lost the function JVM: " + e.getMessage());
        } finally {
            reaper.cancel(false);
        }
    }

    private void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** Closes stdin (the runner's signal to exit), then makes sure it is gone. */
    @Override
    public void close() {
        try {
            toRunner.close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                kill();
                process.waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
        }
    }
}
