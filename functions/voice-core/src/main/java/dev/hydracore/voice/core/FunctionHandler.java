package dev.hydracore.voice.core;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import org.crac.Core;
import org.crac.Resource;

/**
 * Base of every function's handler (HTTP routes and the sweeper alike), and the one owner of its
 * SnapStart (CRaC) hooks. A handler registers itself as a CRaC {@link Resource} when it is built;
 * before the snapshot, {@link #prime()} runs its code path without writing anything, then every
 * secret and cache its {@link Services} hold is cleared, so the snapshot holds no pepper, key or
 * data key. Outside SnapStart (local runs, a JVM without CRaC) the hooks never fire.
 */
public abstract class FunctionHandler implements RequestStreamHandler, Resource {
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
        try {
            prime();
        } catch (RuntimeException e) {
            // A snapshot without priming is slower, not wrong.
            Log.warn("snapstart priming failed", "exception", e.getClass().getSimpleName());
        } finally {
            if (services != null) {
                services.clearSecrets();
            }
        }
    }

    @Override
    public final void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to re-seed: secrets are fetched again on first use, SecureRandom reseeds itself.
    }
}
