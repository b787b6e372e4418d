package dev.hydracore.voice.fakes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.tooling.ProjectPaths;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Prism never outlives what started it: closed, or its parent gone (our end of its stdin closed). */
class PrismLifecycleIT {
    @Test
    void closingProviderFakesEndsBothPrismProcesses() throws Exception {
        List<ProcessHandle> prisms;
        try (ProviderFakes fakes = ProviderFakes.start()) {
            prisms = ProcessHandle.current()
                    .descendants()
                    .filter(p -> p.info().commandLine().orElse("").contains("prism"))
                    .toList();
            assertTrue(prisms.size() >= 2, () -> "two Prism processes (and their shells): " + prisms);
        }
        for (ProcessHandle p : prisms) {
            p.onExit().get(15, TimeUnit.SECONDS);
            assertFalse(
                    p.isAlive(),
                    () -> "survived close(): " + p.info().commandLine().orElse(""));
        }
    }

    @Test
    void prismEndsWhenItsParentsEndOfStdinCloses() throws Exception {
        Path root = ProjectPaths.root();
        try (FakeTwilio fake = new FakeTwilio();
                PrismProxy proxy = new PrismProxy(
                        "twilio",
                        PrismProxy.prismBinary(root),
                        ProviderFakes.document(root, ProviderFakes.TWILIO_DOCUMENT),
                        fake.url())) {
            List<ProcessHandle> node = proxy.process().descendants().toList();
            assertFalse(
                    node.isEmpty(),
                    () -> "Prism runs under its shell " + proxy.process().pid() + ": "
                            + ProcessHandle.current()
                                    .descendants()
                                    .map(h -> h.pid() + "<-"
                                            + h.parent().map(ProcessHandle::pid).orElse(-1L) + " "
                                            + h.info().command().orElse(""))
                                    .toList());
            // What a SIGKILLed parent leaves behind: the pipe's write end closed, no signal sent.
            proxy.process().getOutputStream().close();
            for (ProcessHandle p : node) {
                p.onExit().get(15, TimeUnit.SECONDS);
                assertFalse(p.isAlive());
            }
            assertTrue(proxy.process().waitFor(15, TimeUnit.SECONDS), "the shell ends with it");
        }
    }

    @Test
    void aPortTakenBeforePrismBindsItIsTriedAgainOnAnother() throws Exception {
        Path root = ProjectPaths.root();
        AtomicInteger asked = new AtomicInteger();
        // What CI met: the free port found was another process's by the time Prism bound it.
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                FakeTwilio fake = new FakeTwilio();
                PrismProxy proxy = new PrismProxy(
                        "twilio",
                        PrismProxy.prismBinary(root),
                        ProviderFakes.document(root, ProviderFakes.TWILIO_DOCUMENT),
                        fake.url(),
                        () -> asked.getAndIncrement() == 0 ? taken.getLocalPort() : freePort())) {
            assertEquals(2, asked.get(), "one more port asked for after EADDRINUSE");
            assertNotEquals(taken.getLocalPort(), proxy.prismUrl().getPort());
            assertTrue(proxy.process().isAlive());
            assertFalse(proxy.outputTail().contains("EADDRINUSE"), "the failed start's output is not kept");
        }
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
