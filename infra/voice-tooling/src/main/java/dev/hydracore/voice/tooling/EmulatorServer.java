package dev.hydracore.voice.tooling;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A local AWS emulator on a free loopback port, run by its launcher in infra/ ({@code
 * moto_launcher.py} with .venv's Python, {@code ministack_launcher.py} with .venv-ministack's:
 * MiniStack's exact botocore pin cannot share .venv with moto and boto3). A launcher binds
 * 127.0.0.1 only, prints {@code <NAME>_READY <url>} when it serves, and exits when our end of its
 * stdin closes, so even a JVM killed outright leaves no emulator behind. A port taken between the
 * launcher's pick and its bind makes it exit before it is ready; we then try again.
 */
public final class EmulatorServer implements AutoCloseable {
    private static final int ATTEMPTS = 3;

    private final Process process;
    private final URI endpoint;

    private EmulatorServer(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    public static EmulatorServer start(Kind kind) {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try {
                return start(kind, 0);
            } catch (IllegalStateException e) {
                last = e;
            }
        }
        throw last;
    }

    public static EmulatorServer start(Kind kind, int port) {
        Path launcher = ProjectPaths.root().resolve(kind.launcher);
        ProcessBuilder pb = new ProcessBuilder(kind.python().toString(), launcher.toString(), Integer.toString(port))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("AWS_ENDPOINT_URL");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the " + kind.label + " server", e);
        }
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith(kind.ready)) {
                        return line.substring(kind.ready.length()).trim();
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        try {
            String url = ready.get(60, TimeUnit.SECONDS);
            if (url == null) {
                p.destroyForcibly();
                throw new IllegalStateException(
                        "the " + kind.label + " server exited before it was ready (" + kind.hint + ")");
            }
            EmulatorServer server = new EmulatorServer(p, URI.create(url));
            // Drain what else the launcher prints, so a full pipe never blocks it.
            Thread.ofVirtual()
                    .name(kind.name().toLowerCase(java.util.Locale.ROOT) + "-stdout")
                    .start(() -> {
                        try {
                            while (out.readLine() != null) {
                                // discarded
                            }
                        } catch (IOException ignored) {
                            // the launcher is gone
                        }
                    });
            Runtime.getRuntime()
                    .addShutdownHook(
                            new Thread(server::close, kind.name().toLowerCase(java.util.Locale.ROOT) + "-stop"));
            return server;
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            p.destroyForcibly();
            throw new IllegalStateException("the " + kind.label + " server did not become ready", e);
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        try {
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }

    /** What tells one emulator from the other: its name, launcher, Python and ready line. */
    public enum Kind {
        MOTO("moto", "infra/moto_launcher.py", "MOTO_READY ", "is moto[server] installed in .venv?"),
        MINISTACK(
                "MiniStack",
                "infra/ministack_launcher.py",
                "MINISTACK_READY ",
                "is ministack installed in .venv-ministack?");

        final String label;
        final String launcher;
        final String ready;
        final String hint;

        Kind(String label, String launcher, String ready, String hint) {
            this.label = label;
            this.launcher = launcher;
            this.ready = ready;
            this.hint = hint;
        }

        Path python() {
            return this == MINISTACK ? ProjectPaths.ministackPython() : ProjectPaths.python();
        }
    }
}
