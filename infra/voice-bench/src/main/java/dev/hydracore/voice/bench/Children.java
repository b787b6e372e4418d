package dev.hydracore.voice.bench;

import dev.hydracore.voice.runner.LambdaRunner;
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
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** One run: seconds from start() to the response, the response, the child's peak RSS (KiB, -1: unknown), its exit status, and the runner's own init and invoke times. */
    record Timed(double seconds, String line, long peakRssKb, int exit, double constructSeconds, double invokeSeconds) {}

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
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
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
            return new Timed(seconds, response, -1, exit, Double.NaN, Double.NaN);
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
     * Runs a function JVM ({@code LambdaRunner --once}, with {@code HYDRA_RUNNER_REPORT=1} in
     * {@code env}) to its end. Its stdout is the response and nothing else (JVM logging goes to
     * stderr), written in one piece: the clock stops at the first byte of it. The runner's report
     * line on stderr gives the peak RSS and where the time went inside main.
     */
    Timed timedRunner(List<String> command, Map<String, String> env, Path stderrLog, int timeoutSeconds) {
        long t0 = System.nanoTime();
        Process p = start(command, env, stderrLog);
        ScheduledFuture<?> kill = watchdog.schedule(() -> stop(p), timeoutSeconds, TimeUnit.SECONDS);
        try {
            p.getOutputStream().close();
            double seconds = Double.NaN;
            java.io.ByteArrayOutputStream response = new java.io.ByteArrayOutputStream();
            try (java.io.InputStream out = p.getInputStream()) {
                byte[] buf = new byte[8192];
                for (int n; (n = out.read(buf)) > 0; ) {
                    if (response.size() == 0) {
                        seconds = (System.nanoTime() - t0) / 1e9;
                    }
                    response.write(buf, 0, n);
                }
            }
            int exit = p.waitFor(timeoutSeconds, TimeUnit.SECONDS) ? p.exitValue() : -1;
            long peak = -1;
            double construct = Double.NaN;
            double invoke = Double.NaN;
            for (String line : java.nio.file.Files.readAllLines(stderrLog, StandardCharsets.UTF_8)) {
                if (line.startsWith(LambdaRunner.REPORT_PREFIX)) {
                    for (String field : line.substring(LambdaRunner.REPORT_PREFIX.length()).trim().split("\\s+")) {
                        String[] kv = field.split("=", 2);
                        switch (kv[0]) {
                            case "init_ns" -> construct = Long.parseLong(kv[1]) / 1e9;
                            case "invoke_ns" -> invoke = Long.parseLong(kv[1]) / 1e9;
                            case "vmhwm_kb" -> peak = Long.parseLong(kv[1]);
                            default -> { }
                        }
                    }
                }
            }
            String text = response.size() == 0 ? null
                    : response.toString(StandardCharsets.UTF_8).replace('\n', ' ').replace('\r', ' ');
            return new Timed(seconds, text, peak, exit, construct, invoke);
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

    private static void stop(Process p) {
        if (p.isAlive()) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    void stopAll() {
        live.forEach(Children::stop);
        live.clear();
    }

    /** Starts a child with exactly {@code env} (nothing inherited), stderr to a log, tracked for cleanup. */
    private Process start(List<String> command, Map<String, String> env, Path stderrLog) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(stderrLog.toFile())
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
}
