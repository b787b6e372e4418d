package dev.hydracore.voice.bench;

import dev.hydracore.voice.local.ExecutionEnvironment;
import dev.hydracore.voice.local.FunctionLauncher;
import dev.hydracore.voice.local.InitType;
import dev.hydracore.voice.local.InvokeResult;
import dev.hydracore.voice.local.LocalFunction;
import dev.hydracore.voice.local.RuntimeApi;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The processes the bench starts: each with exactly the environment given (nothing inherited, as
 * on Lambda), stderr to a log file, a hard time limit, and stopped (with its descendants) when the
 * bench ends for any reason.
 */
final class Children {
    private final Set<Process> live = ConcurrentHashMap.newKeySet();
    private final Set<ExecutionEnvironment> environments = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-watchdog");
        t.setDaemon(true);
        return t;
    });

    /**
     * Runs {@code command} to its end. The clock stops at the first response line: a bare JSON
     * object (the warm probe's result) or a bare 3-digit status (the Python baseline); other stdout
     * lines are skipped (kept beside the log).
     */
    Timed timedFirstLine(List<String> command, Map<String, String> env, Path stderrLog, int timeoutSeconds) {
        long t0 = System.nanoTime();
        Process p = start(command, env, stderrLog);
        ScheduledFuture<?> kill = watchdog.schedule(() -> stop(p), timeoutSeconds, TimeUnit.SECONDS);
        try {
            p.getOutputStream().close();
            double seconds = Double.NaN;
            String response = null;
            List<String> other = new java.util.ArrayList<>();
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (response == null && (line.startsWith("{") || line.matches("\\d{3}"))) {
                        seconds = (System.nanoTime() - t0) / 1e9;
                        response = line;
                    } else {
                        other.add(line);
                    }
                }
            }
            if (!other.isEmpty()) {
                java.nio.file.Files.write(stderrLog.resolveSibling(stderrLog.getFileName() + ".stdout"), other);
            }
            int exit = p.waitFor(timeoutSeconds, TimeUnit.SECONDS) ? p.exitValue() : -1;
            return new Timed(seconds, response, -1, exit, Double.NaN, Double.NaN, -1, -1, -1, -1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            kill.cancel(false);
            stop(p);
            live.remove(p);
        }
    }

    /**
     * One run in a Lambda execution environment of its own: a function JVM under AWS's runtime
     * client ({@code command}, one of FunctionJvm's) against a fresh Runtime API, with one event. The
     * clock runs from just before the process starts to the moment the response is posted to the
     * Runtime API. With SnapStart, the event is offered only once the client asked for
     * {@code restore/next} (init and the hooks done, the snapshot point), and {@code restoreSeconds}
     * is from restore (afterRestore starts) to the response posted. Peak RSS: {@code VmHWM} of the
     * JVM, read while it still runs.
     */
    Timed timedLambda(
            FunctionLauncher launcher,
            LocalFunction function,
            List<String> command,
            byte[] event,
            Path log,
            int timeoutSeconds) {
        ExecutionEnvironment env;
        try {
            env = launcher.start(function, command, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        environments.add(env);
        try {
            RuntimeApi api = env.runtimeApi();
            if (function.initType() == InitType.SNAP_START) {
                long until = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
                while (api.restoreRequestedNanos().isEmpty() && env.alive() && System.nanoTime() < until) {
                    Thread.sleep(5);
                }
            }
            InvokeResult r = env.invoke(java.util.UUID.randomUUID().toString(), event);
            long peak = peakRssKb(env.pid());
            double seconds = api.firstResponseNanos()
                    .map(t -> (t - env.startedNanos()) / 1e9)
                    .orElse(Double.NaN);
            double restore = api.restoredNanos()
                    .flatMap(r0 -> api.firstResponseNanos().map(t -> (t - r0) / 1e9))
                    .orElse(Double.NaN);
            String text = r.outcome() == InvokeResult.Outcome.RESULT
                    ? r.payloadText().replace('\n', ' ').replace('\r', ' ')
                    : null;
            double init = api.firstNextNanos()
                    .map(t -> (t - env.startedNanos()) / 1e9)
                    .orElse(Double.NaN);
            return new Timed(
                    seconds,
                    text,
                    peak,
                    r.outcome() == InvokeResult.Outcome.RESULT ? 0 : 1,
                    restore,
                    init,
                    api.restoredNanos().orElse(-1L),
                    api.firstNextNanos().orElse(-1L),
                    env.startedNanos(),
                    api.firstResponseNanos().orElse(-1L));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            boolean training = command.stream().anyMatch(a -> a.startsWith("-XX:AOTCacheOutput="));
            env.stop(java.time.Duration.ofSeconds(training ? 120 : 5));
            environments.remove(env);
        }
    }

    /**
     * The Python baseline the way Lambda's Python runtime runs it: {@code python -m awslambdaric
     * <handler>} in its task root, against a fresh Runtime API, one event; timed like {@link #timedLambda}.
     */
    Timed timedPythonLambda(
            List<String> command, Path taskRoot, Map<String, String> env, byte[] event, Path log, int timeoutSeconds) {
        try (RuntimeApi api = new RuntimeApi("arn:aws:lambda:us-east-1:000000000000:function:python-status-baseline")) {
            Map<String, String> full = new java.util.LinkedHashMap<>(env);
            full.put("AWS_LAMBDA_RUNTIME_API", api.address());
            full.put("LAMBDA_TASK_ROOT", taskRoot.toString());
            ProcessBuilder pb = new ProcessBuilder(command)
                    .directory(taskRoot.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().clear();
            pb.environment().putAll(full);
            long t0 = System.nanoTime();
            Process p = pb.start();
            live.add(p);
            try {
                RuntimeApi.Invocation inv =
                        api.offer(java.util.UUID.randomUUID().toString(), event, timeoutSeconds * 1000L);
                InvokeResult r = inv.result().get(timeoutSeconds, TimeUnit.SECONDS);
                long peak = peakRssKb(p.pid());
                double seconds =
                        api.firstResponseNanos().map(t -> (t - t0) / 1e9).orElse(Double.NaN);
                return new Timed(
                        seconds,
                        r.outcome() == InvokeResult.Outcome.RESULT ? r.payloadText() : null,
                        peak,
                        r.outcome() == InvokeResult.Outcome.RESULT ? 0 : 1,
                        Double.NaN,
                        Double.NaN,
                        -1,
                        -1,
                        t0,
                        api.firstResponseNanos().orElse(-1L));
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                return new Timed(Double.NaN, null, -1, -1, Double.NaN, Double.NaN, -1, -1, -1, -1);
            } finally {
                stop(p);
                live.remove(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Peak resident set size in KiB ({@code VmHWM} of /proc/<pid>/status), -1 where unknown. */
    static long peakRssKb(long pid) {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.substring(6).replace("kB", "").trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static void stop(Process p) {
        if (p.isAlive()) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    void stopAll() {
        live.forEach(Children::stop);
        live.clear();
        environments.forEach(ExecutionEnvironment::close);
        environments.clear();
    }

    /** Starts a child with exactly {@code env} (nothing inherited), stderr to a log, tracked for cleanup. */
    private Process start(List<String> command, Map<String, String> env, Path stderrLog) {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectError(stderrLog.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        pb.environment().clear();
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            live.add(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.getFirst(), e);
        }
    }

    /**
     * One run: seconds from start() to the response, the response, the child's peak RSS (KiB, -1:
     * unknown), its exit status (0: a response), with SnapStart the seconds from restore to the
     * response, and the seconds from start to the client's first {@code next} (JVM start, the
     * client's init, the handler built); {@code restoredNanos} and {@code firstNextNanos}: when restore
     * was answered and when the client first asked for an invocation ({@link System#nanoTime()}, -1: never);
     * {@code startedNanos}: just before the process started; {@code respondedNanos}: when the response was posted.
     */
    record Timed(
            double seconds,
            String line,
            long peakRssKb,
            int exit,
            double restoreSeconds,
            double initSeconds,
            long restoredNanos,
            long firstNextNanos,
            long startedNanos,
            long respondedNanos) {}
}
