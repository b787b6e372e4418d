package dev.hydracore.voice.bench;

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

    /** One run: seconds from start() to the first response line, that line, the child's peak RSS. */
    record Timed(double seconds, String line, long peakRssKb, int exit, double constructSeconds, double invokeSeconds) {}

    /**
     * Runs {@code command} to its end. The clock stops at the first response line: {@code RESPONSE
     * <json>} as ColdStart prints it (returned without the marker), a bare JSON object (the warm
     * probe's result) or a bare 3-digit status (the Python baseline); other stdout lines (JVM
     * warnings) are skipped. A line {@code VmHWM_KB <n>} gives the peak RSS.
     */
    Timed timedFirstLine(List<String> command, Map<String, String> env, Path stderrLog, int timeoutSeconds) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(stderrLog.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        pb.environment().clear();
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.getFirst(), e);
        }
        live.add(p);
        ScheduledFuture<?> kill = watchdog.schedule(() -> stop(p), timeoutSeconds, TimeUnit.SECONDS);
        try {
            p.getOutputStream().close();
            double seconds = Double.NaN;
            String response = null;
            long peak = -1;
            double construct = Double.NaN;
            double invoke = Double.NaN;
            List<String> other = new java.util.ArrayList<>();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (response == null && (line.startsWith("RESPONSE ") || line.startsWith("{") || line.matches("\\d{3}"))) {
                        seconds = (System.nanoTime() - t0) / 1e9;
                        response = line.startsWith("RESPONSE ") ? line.substring(9) : line;
                    } else if (line.startsWith("VmHWM_KB ")) {
                        peak = Long.parseLong(line.substring(9).trim());
                    } else if (line.startsWith("PHASES_NS ")) {
                        String[] p2 = line.split(" ");
                        construct = Long.parseLong(p2[1]) / 1e9;
                        invoke = Long.parseLong(p2[2]) / 1e9;
                    } else {
                        other.add(line);
                    }
                }
            }
            if (!other.isEmpty()) {
                java.nio.file.Files.write(stderrLog.resolveSibling(stderrLog.getFileName() + ".stdout"), other);
            }
            int exit = p.waitFor(timeoutSeconds, TimeUnit.SECONDS) ? p.exitValue() : -1;
            return new Timed(seconds, response, peak, exit, construct, invoke);
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
}
