package dev.hydracore.voice.core;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.time.Duration;
import org.crac.Core;
import org.crac.Resource;

/**
 * Base of every function's handler (HTTP routes and the sweeper alike), and the one owner of its
 * SnapStart (CRaC) hooks. A handler registers itself as a CRaC {@link Resource} when it is built;
 * before the snapshot, {@link #prime()} runs its code path without writing anything, then every
 * secret and cache its {@link Services} hold is cleared, so the snapshot holds no pepper, key or
 * data key. Outside SnapStart (local runs, a JVM without CRaC) the hooks never fire.
 *
 * <p>Priming runs in rounds, secrets cleared after each, so every round takes the path of the first
 * request after restore (pepper fetch, key lookup, the route's read): run once, that code is still
 * interpreted in the snapshot; repeated, C1 has compiled it. Rounds stop at {@link #PRIMING_ROUNDS}
 * or once {@link #PRIMING_BUDGET} has passed, and at the first failure (an outage is not retried).
 */
public abstract class FunctionHandler implements RequestStreamHandler, Resource {
    /** At most this many priming rounds: enough for C1 to compile the path (see docs/performance.md). */
    static final int PRIMING_ROUNDS = 200;
    /** No new round starts after this long (against AWS a round is ~3 requests of a few ms each). */
    static final Duration PRIMING_BUDGET = Duration.ofMillis(1500);

    private final Services services;

    /** {@code services}: whose secrets and caches are cleared before a snapshot (null: none held). */
    @SuppressWarnings("this-escape")
    protected FunctionHandler(Services services) {
        this.services = services;
        Core.getGlobalContext().register(this);
    }

    /**
     * Exercises the handler's code before a snapshot, so the classes and JIT-compiled code of its
     * path are in it. It must never write data.
     */
    protected abstract void prime();

    @Override
    public final void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        long start = System.nanoTime();
        try {
            for (int round = 0; round < PRIMING_ROUNDS; round++) {
                prime();
                clearSecrets();
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
        // Nothing to re-seed: secrets are fetched again on first use, SecureRandom reseeds itself.
    }
}
