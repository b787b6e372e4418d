package dev.hydracore.voice.core;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Set;
import org.crac.Core;
import org.crac.Resource;

/**
 * Base of every function's handler (HTTP routes and the sweeper alike), and the one owner of its
 * SnapStart (CRaC) hooks. A handler registers itself as a CRaC {@link Resource} when it is built
 * (unless its init is one no snapshot follows); before the snapshot, {@link #prime()} runs its code
 * path without writing anything, then every
 * secret and cache its {@link Services} hold is cleared, so the snapshot holds no pepper, key or
 * data key. Outside SnapStart (local runs, a JVM without CRaC) the hooks never fire.
 *
 * <p>Priming runs in rounds, secrets cleared after each, so every round takes the path of the first
 * request after restore (pepper fetch, key lookup, the route's read): run once, that code is still
 * interpreted in the snapshot; repeated, C1 has compiled it. Rounds stop at {@link #PRIMING_ROUNDS}
 * or once {@link #PRIMING_BUDGET} has passed, and at the first failure (an outage is not retried).
 *
 * <p>Every invocation runs inside an {@link Invocation}, which writes the one JSON line (access log
 * and EMF metrics) when it ends; its first invocation is the environment's cold start (priming,
 * which runs inside a silent invocation, does not count as one, so the first request after a
 * SnapStart restore does).
 */
public abstract class FunctionHandler implements RequestStreamHandler, Resource {
    /** At most this many priming rounds: enough for C1 to compile the path (see docs/performance.md). */
    static final int PRIMING_ROUNDS = 200;
    /** No new round starts after this long (against AWS a round is ~3 requests of a few ms each). */
    static final Duration PRIMING_BUDGET = Duration.ofMillis(1500);

    /** Lambda's variable naming how the environment was initialized. */
    static final String INITIALIZATION_TYPE = "AWS_LAMBDA_INITIALIZATION_TYPE";
    /**
     * The kinds of init after which no snapshot is taken, so secrets may be fetched during init:
     * on demand and provisioned concurrency, not {@code snap-start} (that fetches after restore).
     */
    static final Set<String> FETCH_AHEAD_AT_INIT = Set.of("on-demand", "provisioned-concurrency");

    private final Services services;
    private volatile boolean coldStart = true;

    static {
        JdkWarmUp.start();
    }

    /**
     * {@code services}: whose secrets and caches are cleared before a snapshot (null: none held).
     * After an init that no snapshot follows (on demand, provisioned concurrency) the handler does
     * not register with CRaC (its hooks could never fire, and registering is ~8 ms of a cold start:
     * org.crac's reflection and a dynamic proxy) but fetches ahead instead; otherwise (SnapStart, or
     * no init type: a JVM outside Lambda) it registers, and never fetches before a snapshot.
     */
    @SuppressWarnings("this-escape")
    protected FunctionHandler(Services services) {
        this.services = services;
        if (noSnapshotFollows(System.getenv(INITIALIZATION_TYPE))) {
            fetchAhead();
        } else {
            Core.getGlobalContext().register(this);
        }
    }

    /** Whether an environment initialized this way is never snapshotted (Lambda's init types). */
    static boolean noSnapshotFollows(String initType) {
        return initType != null && FETCH_AHEAD_AT_INIT.contains(initType);
    }

    /**
     * Exercises the handler's code before a snapshot, so the classes and JIT-compiled code of its
     * path are in it. It must never write data.
     */
    protected abstract void prime();

    /** One invocation: Lambda's entry, reported as one line. */
    @Override
    public final void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        if (Invocation.isOpen()) {
            // A request priming sends through this entry point: part of the (silent) priming run.
            invoke(input, output);
            return;
        }
        Invocation invocation = Invocation.open(context, coldStart);
        coldStart = false;
        try {
            invoke(input, output);
        } catch (IOException | RuntimeException | Error e) {
            invocation.failed(e);
            throw e;
        } finally {
            invocation.close();
        }
    }

    /** The handler's work for one event; what it did goes to {@link Invocation#current()}. */
    protected abstract void invoke(InputStream input, OutputStream output) throws IOException;

    @Override
    public final void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        long start = System.nanoTime();
        try {
            for (int round = 0; round < PRIMING_ROUNDS; round++) {
                // Each round's line is built as an invocation's is, then dropped: priming reports nothing.
                Invocation priming = Invocation.openPriming();
                try {
                    prime();
                } finally {
                    priming.close();
                    clearSecrets();
                }
                if (System.nanoTime() - start >= PRIMING_BUDGET.toNanos()) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            // A snapshot without priming is slower, not wrong.
            Log.warn("snapstart priming failed", "exception", e.getClass().getSimpleName());
        } finally {
            clearSecrets();
        }
    }

    private void clearSecrets() {
        if (services != null) {
            services.clearSecrets();
        }
    }

    @Override
    public final void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to re-seed (SecureRandom reseeds itself); what the first request needs is fetched
        // now, beside the runtime client's start of its invocation loop.
        fetchAhead();
    }

    /**
     * On a thread of its own, what the environment's first request would wait for
     * ({@link Services#fetchAhead}), while the runtime client finishes its start (on-demand init)
     * or its restore: never before a snapshot, which may hold no secret. It uses only the
     * {@link Services}, which is complete before any handler's constructor runs.
     */
    private void fetchAhead() {
        if (services != null) {
            Overlap.ahead("fetch-ahead", services::fetchAhead);
        }
    }
}
