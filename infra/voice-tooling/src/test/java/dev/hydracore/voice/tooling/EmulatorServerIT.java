package dev.hydracore.voice.tooling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.aws.AwsClients;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The MiniStack launcher: loopback only, on the port it picked, answering AWS calls, and gone once
 * its owner closes it (the same stdin-EOF path a dying parent takes).
 */
class EmulatorServerIT {

    @Test
    void servesOnLoopbackOnlyAndStopsWithItsOwner() throws Exception {
        EmulatorServer server = EmulatorServer.start(EmulatorServer.Kind.MINISTACK);
        ProcessHandle process = ProcessHandle.of(server.pid()).orElseThrow();
        List<ProcessHandle> tree =
                new java.util.ArrayList<>(process.descendants().toList());
        tree.add(process);
        URI endpoint = server.endpoint();
        try {
            assertEquals("127.0.0.1", endpoint.getHost());
            HttpResponse<String> health = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(endpoint.resolve("/_ministack/health"))
                                    .timeout(Duration.ofSeconds(10))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health::body);

            AwsClients clients = new AwsClients(
                    "us-east-1",
                    endpoint,
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")));
            assertTrue(clients.dynamo().listTables().tableNames().isEmpty(), "a fresh emulator of our own");
            // Not reachable through any other interface of this machine (MiniStack's default is 0.0.0.0).
            for (InetAddress other : nonLoopbackAddresses()) {
                assertThrows(
                        IOException.class,
                        () -> {
                            try (Socket s = new Socket()) {
                                s.connect(new InetSocketAddress(other, endpoint.getPort()), 2000);
                            }
                        },
                        () -> "MiniStack answers on " + other.getHostAddress());
            }
        } finally {
            server.close();
        }
        for (ProcessHandle p : tree) {
            p.onExit().get(15, TimeUnit.SECONDS);
            assertFalse(
                    p.isAlive(),
                    () -> "survived: " + p.pid() + " " + p.info().commandLine().orElse(""));
        }
        assertThrows(
                IOException.class,
                () -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", endpoint.getPort()), 2000);
                    }
                },
                "the port is closed once the server is stopped");
    }

    private static List<InetAddress> nonLoopbackAddresses() throws IOException {
        return NetworkInterface.networkInterfaces()
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .toList();
    }
}
