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
 * A moto server on a free loopback port, run by infra/moto_launcher.py. The launcher exits when
 * our end of its stdin closes, so even a JVM killed outright leaves no emulator behind.
 */
public final class MotoServer implements AutoCloseable {
    private final Process process;
    private final URI endpoint;

    private MotoServer(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    public static MotoServer start() {
        return start(0);
    }

    public static MotoServer start(int port) {
        Path launcher = ProjectPaths.root().resolve("infra/moto_launcher.py");
        ProcessBuilder pb = new ProcessBuilder(ProjectPaths.python().toString(), launcher.toString(), Integer.toString(port))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("AWS_ENDPOINT_URL");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the moto server", e);
        }
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("MOTO_READY ")) {
                        return line.substring("MOTO_READY ".length()).trim();
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
                throw new IllegalStateException("the moto server exited before it was ready (is moto[server] installed in .venv?)");
            }
            MotoServer server = new MotoServer(p, URI.create(url));
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "moto-stop"));
            return server;
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            p.destroyForcibly();
            throw new IllegalStateException("the moto server did not become ready", e);
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
