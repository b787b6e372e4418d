package dev.hydracore.voice.fakes;

import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * Both fakes, each behind {@code prism proxy --errors} on the provider's own document in
 * {@code <root>/../shared/providers/}: what a test or {@code ./hydra local} points provider
 * clients at ({@link #twilioBaseUrl()}, {@link #retellBaseUrl()}, origins without a trailing slash),
 * with the fakes themselves for seeding and inspection ({@link #twilio()}, {@link #retell()}, or
 * over HTTP at {@link #twilioControlUrl()} / {@link #retellControlUrl()} {@code /_fake/...}).
 *
 * <p>{@link #violations()} is everything Prism said about the traffic; {@link
 * #assertPrismRejectedNothing()} is the one check a test ends with: it fails on any violation
 * that {@link PrismViolation#isRejection() counts}. Closing stops both Prism processes and both
 * fakes, whatever failed before.
 */
public final class ProviderFakes implements AutoCloseable {
    public static final String TWILIO_DOCUMENT = "twilio_api_v2010.voice.json";
    public static final String RETELL_DOCUMENT = "retell_api.voice.json";
    private final FakeTwilio twilio;
    private final FakeRetell retell;
    private final PrismProxy twilioPrism;
    private final PrismProxy retellPrism;

    private ProviderFakes(FakeTwilio twilio, FakeRetell retell, PrismProxy twilioPrism, PrismProxy retellPrism) {
        this.twilio = twilio;
        this.retell = retell;
        this.twilioPrism = twilioPrism;
        this.retellPrism = retellPrism;
        twilio.reportViolationsFrom(twilioPrism::violations);
        retell.reportViolationsFrom(retellPrism::violations);
    }

    /** Starts both fakes behind Prism, the project found as {@link ProjectPaths#root()} finds it. */
    public static ProviderFakes start() throws IOException {
        return start(ProjectPaths.root());
    }

    public static ProviderFakes start(Path root) throws IOException {
        Path prism = PrismProxy.prismBinary(root);
        Path twilioDoc = document(root, TWILIO_DOCUMENT);
        Path retellDoc = document(root, RETELL_DOCUMENT);
        List<AutoCloseable> started = new ArrayList<>();
        try {
            FakeTwilio twilio = add(started, new FakeTwilio());
            FakeRetell retell = add(started, new FakeRetell());
            // Both Prism processes start at once: each takes a second or two to read its document.
            CompletableFuture<PrismProxy> twilioPrism = prism("twilio", prism, twilioDoc, twilio.url());
            CompletableFuture<PrismProxy> retellPrism = prism("retell", prism, retellDoc, retell.url());
            PrismProxy t = awaitStarted(twilioPrism, retellPrism, started);
            PrismProxy r = awaitStarted(retellPrism, twilioPrism, started);
            return new ProviderFakes(twilio, retell, t, r);
        } catch (IOException | RuntimeException e) {
            closeAll(started, e);
            throw e;
        }
    }

    private static CompletableFuture<PrismProxy> prism(String provider, Path bin, Path doc, URI upstream) {
        CompletableFuture<PrismProxy> f = new CompletableFuture<>();
        Thread.ofVirtual().name("prism-start-" + provider).start(() -> {
            try {
                f.complete(new PrismProxy(provider, bin, doc, upstream));
            } catch (IOException | RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** The started proxy; on failure, the other one too is waited for and closed with the rest. */
    private static PrismProxy awaitStarted(
            CompletableFuture<PrismProxy> one, CompletableFuture<PrismProxy> other, List<AutoCloseable> started)
            throws IOException {
        try {
            return add(started, one.join());
        } catch (CompletionException e) {
            try {
                PrismProxy p = other.join();
                if (!started.contains(p)) {
                    started.add(p);
                }
            } catch (CompletionException ignored) {
                // Both failed: the first failure is the one reported.
            }
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
    }

    /** The provider documents Prism checks against: {@code <root>/../shared/providers/<name>}. */
    public static Path document(Path root, String name) {
        Path doc = root.toAbsolutePath()
                .getParent()
                .resolve("shared/providers")
                .resolve(name)
                .normalize();
        if (!Files.isRegularFile(doc)) {
            throw new IllegalStateException("missing the provider document " + doc);
        }
        return doc;
    }

    public FakeTwilio twilio() {
        return twilio;
    }

    public FakeRetell retell() {
        return retell;
    }

    /** Where Twilio clients go (Prism in front of the fake), e.g. {@code TwilioApiBaseUrl}. */
    public URI twilioBaseUrl() {
        return twilioPrism.url();
    }

    /** Where Retell clients go (Prism in front of the fake), e.g. {@code RetellApiBaseUrl}. */
    public URI retellBaseUrl() {
        return retellPrism.url();
    }

    /** The Twilio fake itself, no Prism: {@code /_fake/...} and unchecked provider routes. */
    public URI twilioControlUrl() {
        return twilio.url();
    }

    public URI retellControlUrl() {
        return retell.url();
    }

    /** Everything Prism reported, both providers, in the order seen per provider. */
    public List<PrismViolation> violations() {
        List<PrismViolation> all = new ArrayList<>(twilioPrism.violations());
        all.addAll(retellPrism.violations());
        return List.copyOf(all);
    }

    /** Tells {@code listener} of each violation as Prism reports it (./hydra local prints them). */
    public void onViolation(Consumer<PrismViolation> listener) {
        twilioPrism.onViolation(listener);
        retellPrism.onViolation(listener);
    }

    /** The violations that count against a run (see {@link PrismViolation#isRejection()}). */
    public List<PrismViolation> rejections() {
        return violations().stream().filter(PrismViolation::isRejection).toList();
    }

    /** Fails (AssertionError, each violation a line) if Prism rejected any request or answer. */
    public void assertPrismRejectedNothing() {
        List<PrismViolation> rejected = rejections();
        if (!rejected.isEmpty()) {
            StringBuilder sb = new StringBuilder(
                    "Prism rejected " + rejected.size() + " exchange(s) against the providers' documents:");
            rejected.forEach(v -> sb.append("\n  ").append(v));
            throw new AssertionError(sb.toString());
        }
    }

    /** Prism's own recent output for one provider (no credentials: its info level logs none). */
    public String prismOutput(String provider) {
        return (provider.equals("twilio") ? twilioPrism : retellPrism).outputTail();
    }

    @Override
    public void close() {
        closeAll(List.of(twilioPrism, retellPrism, twilio, retell), null);
    }

    private static <T extends AutoCloseable> T add(List<AutoCloseable> started, T c) {
        started.add(c);
        return c;
    }

    private static void closeAll(List<AutoCloseable> all, Exception primary) {
        RuntimeException first = null;
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                if (primary != null) {
                    primary.addSuppressed(e);
                } else if (first == null) {
                    first = new IllegalStateException("closing the provider fakes failed", e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
