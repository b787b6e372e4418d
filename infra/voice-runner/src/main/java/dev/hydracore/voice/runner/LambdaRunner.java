package dev.hydracore.voice.runner;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The local stand-in for Lambda's Java runtime: one JVM per function execution environment.
 * It builds the handler named by {@code _HANDLER} once (Lambda's init phase), then runs events
 * through it. The process environment is the function's, set by whoever starts it.
 *
 * <pre>
 * LambdaRunner --once &lt;event file | -&gt;   one event; the handler's output on stdout
 * LambdaRunner --serve                   framed events on stdin, framed results on stdout
 * </pre>
 *
 * In both modes stdout belongs to the protocol: {@code System.out} is pointed at stderr before the
 * handler is loaded, as Lambda sends a function's stdout to its logs. The runner exits when stdin
 * closes (serve mode) or its parent dies, so a killed local runtime leaves no function JVM behind.
 *
 * <p>With {@value #REPORT_ENV}=1 in its environment, {@code --once} also prints, on stderr after the
 * response, one line {@code HYDRA_RUNNER_REPORT init_ns=<n> invoke_ns=<n> vmhwm_kb=<n>}: the time to
 * build the handler and to handle the event (from main's start), and the process's peak RSS
 * ({@code VmHWM} of /proc/self/status; -1 without /proc). ./hydra bench times cold starts with it.
 *
 * <p>Serve-mode frames (big-endian, {@link DataInputStream} encoding):
 * request {@code UTF requestId, long timeoutMillis, int length, byte[length] event} (the clock starts
 * when the runner reads it: like Lambda's timeout, it excludes the JVM's start and init);
 * response {@code byte outcome, int length, byte[length] payload}, where outcome is
 * {@link #RESULT} (the handler's output), {@link #FUNCTION_ERROR} or {@link #TIMEOUT} (payload:
 * Lambda's error JSON), or {@link #INIT_ERROR} (the handler could not be built; the runner exits).
 */
public final class LambdaRunner {
    public static final int RESULT = 0;
    public static final int FUNCTION_ERROR = 1;
    public static final int TIMEOUT = 2;
    public static final int INIT_ERROR = 3;

    /** Exit codes of --once, beside 0 (the handler returned). */
    public static final int EXIT_FUNCTION_ERROR = 1;
    public static final int EXIT_INIT_ERROR = 2;
    public static final int EXIT_USAGE = 64;
    /** Environment variable asking --once for its report line on stderr. */
    public static final String REPORT_ENV = "HYDRA_RUNNER_REPORT";
    public static final String REPORT_PREFIX = "HYDRA_RUNNER_REPORT ";

    private final PrintStream logs;
    private final FunctionConfig config;

    private LambdaRunner(PrintStream logs, FunctionConfig config) {
        this.logs = logs;
        this.config = config;
    }

    public static void main(String[] args) throws IOException {
        // Claim the real stdout for results before any function code can print to it.
        OutputStream protocolOut = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        PrintStream logs = System.err;
        System.setOut(logs);
        exitWithParent();
        LambdaRunner runner = new LambdaRunner(logs, FunctionConfig.fromEnvironment());
        if (args.length == 2 && args[0].equals("--once")) {
            System.exit(runner.once(args[1], protocolOut));
        } else if (args.length == 1 && args[0].equals("--serve")) {
            runner.serve(new DataInputStream(new BufferedInputStream(new FileInputStream(FileDescriptor.in))),
                    new DataOutputStream(protocolOut));
            System.exit(0);
        } else {
            logs.println("usage: LambdaRunner --once <event-file|-> | --serve   (handler from _HANDLER)");
            System.exit(EXIT_USAGE);
        }
    }

    /** Reparented orphans are what a SIGKILLed parent leaves; this JVM must not be one. */
    private static void exitWithParent() {
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> Runtime.getRuntime().halt(0)));
    }

    private int once(String eventPath, OutputStream out) throws IOException {
        long t0 = System.nanoTime();
        byte[] event = eventPath.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(eventPath));
        Invocation handler;
        try {
            handler = Invocation.of(config.handler());
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            out.write(initError(e));
            out.flush();
            return EXIT_INIT_ERROR;
        }
        long t1 = System.nanoTime();
        long deadline = System.currentTimeMillis() + config.timeoutMillis();
        Outcome o = invokeWithin(handler, UUID.randomUUID().toString(), deadline, event, payload -> {
            out.write(payload);
            out.flush();
        });
        out.write(o.payload());
        out.flush();
        long t2 = System.nanoTime();
        if ("1".equals(System.getenv(REPORT_ENV))) {
            logs.println(REPORT_PREFIX + "init_ns=" + (t1 - t0) + " invoke_ns=" + (t2 - t1) + " vmhwm_kb=" + peakRssKb());
            logs.flush();
        }
        return o.kind() == RESULT ? 0 : EXIT_FUNCTION_ERROR;
    }

    /** Peak resident set size in KiB ({@code VmHWM}), or -1 where /proc is not there. */
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

    private void serve(DataInputStream in, DataOutputStream out) throws IOException {
        Invocation handler;
        try {
            handler = Invocation.of(config.handler());
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // Answer the request that started us with the init error, then go: Lambda retries
            // init in a fresh environment, and so does the local runtime.
            if (readRequest(in) != null) {
                writeFrame(out, INIT_ERROR, initError(e));
            }
            return;
        }
        for (Request r; (r = readRequest(in)) != null; ) {
            long deadline = System.currentTimeMillis() + r.timeoutMillis();
            Outcome o = invokeWithin(handler, r.requestId(), deadline, r.event(), payload -> writeFrame(out, TIMEOUT, payload));
            writeFrame(out, o.kind(), o.payload());
        }
    }

    interface TimeoutReply {
        void send(byte[] errorJson) throws IOException;
    }

    /**
     * Runs the handler; if the deadline passes first, the timeout error is sent instead and the
     * JVM halts, because a timed-out environment is not reused (in Lambda or here) and a running
     * handler cannot be stopped safely.
     */
    private Outcome invokeWithin(Invocation handler, String requestId, long deadline, byte[] event, TimeoutReply onTimeout) {
        AtomicBoolean answered = new AtomicBoolean();
        Thread watchdog = Thread.ofPlatform().daemon().name("lambda-timeout").start(() -> {
            if (sleepUntil(deadline) && answered.compareAndSet(false, true)) {
                try {
                    onTimeout.send(timeoutError());
                } catch (IOException ignored) {
                    // the reader is gone; halting is all that is left
                }
                Runtime.getRuntime().halt(EXIT_FUNCTION_ERROR);
            }
        });
        Outcome o = invoke(handler, requestId, deadline, event);
        if (!answered.compareAndSet(false, true)) {
            // The watchdog is answering and halts the JVM; don't write a second reply.
            while (true) {
                LockSupport.park();
            }
        }
        watchdog.interrupt();
        return o;
    }

    private record Request(String requestId, long timeoutMillis, byte[] event) {}

    private record Outcome(int kind, byte[] payload) {}

    private static Request readRequest(DataInputStream in) throws IOException {
        try {
            String id = in.readUTF();
            long timeoutMillis = in.readLong();
            byte[] event = new byte[in.readInt()];
            in.readFully(event);
            return new Request(id, timeoutMillis, event);
        } catch (EOFException e) {
            return null;
        }
    }

    private static void writeFrame(DataOutputStream out, int kind, byte[] payload) throws IOException {
        out.writeByte(kind);
        out.writeInt(payload.length);
        out.write(payload);
        out.flush();
    }

    private Outcome invoke(Invocation handler, String requestId, long deadline, byte[] event) {
        LocalContext context = new LocalContext(config, requestId, deadline, logs);
        logs.println("START RequestId: " + requestId + " Version: " + config.version());
        long started = System.nanoTime();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Outcome outcome;
        try {
            handler.run(new ByteArrayInputStream(event), output, context);
            outcome = new Outcome(RESULT, output.toByteArray());
        } catch (Throwable e) {
            // What Lambda does with an unhandled exception: log it, answer its error JSON.
            e.printStackTrace(logs);
            outcome = new Outcome(FUNCTION_ERROR, errorJson(e.getClass().getName(), e.getMessage(), e.getStackTrace()));
        }
        double ms = (System.nanoTime() - started) / 1e6;
        logs.println("END RequestId: " + requestId);
        logs.println(String.format(Locale.ROOT, "REPORT RequestId: %s\tDuration: %.2f ms\tMemory Size: %d MB",
                requestId, ms, config.memoryMb()));
        return outcome;
    }

    private static byte[] initError(Throwable e) {
        Throwable cause = e instanceof InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : e;
        cause.printStackTrace(System.err);
        return errorJson(cause.getClass().getName(), cause.getMessage(), cause.getStackTrace());
    }

    private byte[] timeoutError() {
        String message = String.format(Locale.ROOT, "Task timed out after %.2f seconds", config.timeoutMillis() / 1000.0);
        return errorJson("Sandbox.Timedout", message, new StackTraceElement[0]);
    }

    /** Lambda's error shape: {"errorMessage", "errorType", "stackTrace"}. */
    static byte[] errorJson(String type, String message, StackTraceElement[] stack) {
        StringBuilder sb = new StringBuilder("{\"errorMessage\":").append(quote(message == null ? type : message))
                .append(",\"errorType\":").append(quote(type)).append(",\"stackTrace\":[");
        for (int i = 0; i < stack.length; i++) {
            sb.append(i == 0 ? "" : ",").append(quote(stack[i].toString()));
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** True when the deadline passed, false when interrupted first. */
    private static boolean sleepUntil(long deadline) {
        try {
            long left;
            while ((left = deadline - System.currentTimeMillis()) > 0) {
                Thread.sleep(left);
            }
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** How the handler is called: Lambda's stream interface, or a stream-shaped method by name. */
    @FunctionalInterface
    interface Invocation {
        void run(InputStream in, OutputStream out, Context context) throws Throwable;

        static Invocation of(String handler) throws ReflectiveOperationException {
            int sep = handler.indexOf("::");
            String className = sep < 0 ? handler : handler.substring(0, sep);
            String methodName = sep < 0 ? "handleRequest" : handler.substring(sep + 2);
            Class<?> type = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
            if (RequestStreamHandler.class.isAssignableFrom(type)) {
                RequestStreamHandler h = (RequestStreamHandler) type.getDeclaredConstructor().newInstance();
                return h::handleRequest;
            }
            for (Method m : type.getMethods()) {
                Class<?>[] p = m.getParameterTypes();
                boolean streams = p.length >= 2 && p[0] == InputStream.class && p[1] == OutputStream.class;
                if (!m.getName().equals(methodName) || !streams || p.length > 3 || (p.length == 3 && p[2] != Context.class)) {
                    continue;
                }
                Object target = Modifier.isStatic(m.getModifiers()) ? null : type.getDeclaredConstructor().newInstance();
                return (in, out, ctx) -> {
                    try {
                        if (p.length == 3) {
                            m.invoke(target, in, out, ctx);
                        } else {
                            m.invoke(target, in, out);
                        }
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                };
            }
            throw new IllegalArgumentException("handler " + handler + " is not a stream handler: implement"
                    + " RequestStreamHandler or declare " + methodName + "(InputStream, OutputStream[, Context])."
                    + " POJO handlers need the Lambda runtime's event serialization, which the local runtime does not do");
        }
    }
}
