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
 * A MiniStack server on a free loopback port, run by infra/ministack_launcher.py with the Python of
 * .venv-ministack (MiniStack's exact botocore pin cannot share .venv with moto and boto3). The
 * launcher binds 127.0.0.1 only ({@code BIND_HOST}) on the port it picks ({@code GATEWAY_PORT})
 * and exits when our end of its stdin closes, so even a JVM killed outright leaves no emulator
 * behind. A port taken between the launcher's pick and its bind makes it exit before it is ready;
 * we then try again.
 */
public final class MiniStackServer implements AutoCloseable {
    private static final String READY = "MINISTACK_READY ";
    private static final int ATTEMPTS = 3;
    private final Process process;
    private final URI endpoint;

    private MiniStackServer(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    public static MiniStackServer start() {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try {
                return start(0);
            } catch (IllegalStateException e) {
                last = e;
            }
        }
        throw last;
    }

    public static MiniStackServer start(int port) {
        Path launcher = ProjectPaths.root().resolve("infra/ministack_launcher.py");
        ProcessBuilder pb = new ProcessBuilder(ProjectPaths.ministackPython().toString(), launcher.toString(), Integer.toString(port))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("AWS_ENDPOINT_URL");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the MiniStack server", e);
        }
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith(READY)) {
                        return line.substring(READY.length()).trim();
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
                throw new IllegalStateException("the MiniStack server exited before it was ready (is ministack installed in .venv-ministack?)");
            }
            MiniStackServer server = new MiniStackServer(p, URI.create(url));
            // Drain what else the launcher prints, so a full pipe never blocks it.
            Thread.ofVirtual().name("ministack-stdout").start(() -> {
                try {
                    while (out.readLine() != null) {
                        // discarded
                    }
                } catch (IOException ignored) {
                    // the launcher is gone
                }
            });
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "ministack-stop"));
            return server;
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            p.destroyForcibly();
            throw new IllegalStateException("the MiniStack server did not become ready", e);
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
}
