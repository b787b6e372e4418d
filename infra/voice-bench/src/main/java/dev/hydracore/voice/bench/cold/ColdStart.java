package dev.hydracore.voice.bench.cold;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One cold start, as Lambda does it: {@code ColdStart <Handler> <eventFile>} constructs the
 * handler (no-arg constructor), handles the event once, prints {@code RESPONSE <response on one line>}, then
 * the process's peak RSS ({@code VmHWM} from /proc/self/status) and exits. The parent times it
 * from process start to the response line. Depends on nothing but the JDK, so the classpath is
 * exactly the function's package plus this class.
 */
public final class ColdStart {
    private ColdStart() {}

    public static void main(String[] args) throws Throwable {
        if (args.length != 2) {
            System.err.println("usage: ColdStart <package.Handler[::method]> <event.json>");
            System.exit(2);
        }
        long t0 = System.nanoTime();
        byte[] event = Files.readAllBytes(Path.of(args[1]));
        Invoker invoker = Invoker.create(args[0]);
        long t1 = System.nanoTime();
        byte[] response = invoker.invoke(event);
        long t2 = System.nanoTime();
        PrintStream out = System.out;
        // Marked, so a handler with an empty or non-JSON answer (a scheduled function) still ends the clock.
        out.println("RESPONSE " + Invoker.oneLine(response));
        out.println("VmHWM_KB " + peakRssKb());
        // After the response, so not timed: where the time went inside main.
        out.println("PHASES_NS " + (t1 - t0) + " " + (t2 - t1));
        out.flush();
        System.exit(0);
    }

    /** Peak resident set size in KiB, or -1 where /proc is not there. */
    static long peakRssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.substring(6).replace("kB", "").trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
