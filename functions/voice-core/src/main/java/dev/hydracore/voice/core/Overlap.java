package dev.hydracore.voice.core;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

/**
 * Work started on a short-lived daemon thread while the caller goes on with its own: the few
 * independent AWS requests of an environment's first request (the pepper, the key's record, the
 * route's read) overlap instead of queueing, and on-demand init fetches ahead what that request
 * needs. A platform thread per task, no pool: it is used a handful of times per environment, and a
 * pool's idle threads would sit in a SnapStart snapshot.
 */
public final class Overlap<T> {
    private final FutureTask<T> task;

    private Overlap(FutureTask<T> task) {
        this.task = task;
    }

    /** Starts {@code work} now, on its own thread. */
    public static <T> Overlap<T> start(String name, Supplier<T> work) {
        FutureTask<T> task = new FutureTask<>(work::get);
        Thread.ofPlatform().daemon().name(name).start(task);
        return new Overlap<>(task);
    }

    /** Starts {@code work} now and forgets it: whatever it throws is dropped (it is only ahead of need). */
    public static void ahead(String name, Runnable work) {
        Thread.ofPlatform().daemon().name(name).start(() -> {
            try {
                work.run();
            } catch (RuntimeException e) {
                // Only ahead of need: the request that needs it does the work again and reports.
            }
        });
    }

    /** Waits for the result; what the work threw is thrown here, as it would have been on this thread. */
    public T join() {
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for overlapped work", e);
        }
    }
}
