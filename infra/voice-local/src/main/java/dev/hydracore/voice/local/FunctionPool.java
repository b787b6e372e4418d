package dev.hydracore.voice.local;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The execution environments of one function: started on first use, kept warm and reused, one
 * request at a time each; concurrent requests get more environments (as Lambda scales out), up to
 * a cap that keeps a laptop responsive, and then wait.
 */
public final class FunctionPool implements AutoCloseable {
    private final LocalFunction function;
    private final FunctionLauncher launcher;
    private final int maxEnvironments;
    private final Deque<ExecutionEnvironment> idle = new ArrayDeque<>();
    private final List<ExecutionEnvironment> all = new ArrayList<>();
    private int starting;
    private boolean closed;

    public FunctionPool(LocalFunction function, FunctionLauncher launcher, int maxEnvironments) {
        this.function = function;
        this.launcher = launcher;
        this.maxEnvironments = maxEnvironments;
    }

    public InvokeResult invoke(String requestId, byte[] event) {
        ExecutionEnvironment env;
        try {
            env = acquire();
        } catch (IOException e) {
            return InvokeResult.environmentFailed(
                    function.logicalId() + ": cannot start the function JVM: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return InvokeResult.environmentFailed("interrupted");
        }
        InvokeResult result = env.invoke(requestId, event);
        // Timed-out, failed-init and dead environments are replaced, as Lambda resets them.
        boolean reusable = env.alive()
                && (result.outcome() == InvokeResult.Outcome.RESULT
                        || result.outcome() == InvokeResult.Outcome.FUNCTION_ERROR);
        release(env, reusable);
        return result;
    }

    private ExecutionEnvironment acquire() throws IOException, InterruptedException {
        synchronized (this) {
            while (true) {
                if (closed) {
                    throw new IOException("the local runtime is stopping");
                }
                ExecutionEnvironment e = idle.pollFirst();
                if (e != null && e.alive()) {
                    return e;
                }
                if (e != null) {
                    all.remove(e);
                    continue;
                }
                if (all.size() + starting < maxEnvironments) {
                    starting++;
                    break;
                }
                wait();
            }
        }
        ExecutionEnvironment started = null;
        try {
            started = launcher.start(function);
            return started;
        } finally {
            synchronized (this) {
                starting--;
                if (started != null) {
                    all.add(started);
                }
                if (closed && started != null) {
                    started.close();
                }
                notifyAll();
            }
        }
    }

    private void release(ExecutionEnvironment env, boolean reusable) {
        synchronized (this) {
            if (reusable && !closed) {
                idle.addFirst(env);
                notifyAll();
                return;
            }
            all.remove(env);
            notifyAll();
        }
        env.close();
    }

    /** Process ids of the live environments (for tests and diagnostics). */
    public synchronized List<Long> pids() {
        return all.stream()
                .filter(ExecutionEnvironment::alive)
                .map(ExecutionEnvironment::pid)
                .toList();
    }

    @Override
    public void close() {
        List<ExecutionEnvironment> toClose;
        synchronized (this) {
            closed = true;
            toClose = new ArrayList<>(all);
            all.clear();
            idle.clear();
            notifyAll();
        }
        toClose.forEach(ExecutionEnvironment::close);
    }
}
