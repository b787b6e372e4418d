package dev.hydracore.voice.fakes;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.tooling.ProjectPaths;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
}
