package dev.hydracore.voice.core;

import java.time.Duration;

/**
 * The time a piece of work may still take: each request's timeout is the smaller of its own and
 * what is left, so a sequence of requests ends within its budget however slow each one is. Provider
 * requests (setup's wiring, clean-ups, End Call's hang-up) and a webhook event's store work
 * (docs/retries.md) run under one.
 */
public final class Deadline {
    private static final Deadline NONE = new Deadline(0, false);

    private final long endNanos;
    private final boolean bounded;

    private Deadline(long endNanos, boolean bounded) {
        this.endNanos = endNanos;
        this.bounded = bounded;
    }

    public static Deadline in(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos(), true);
    }

    /** No deadline: only each request's own timeout (the sweeper's and the API's store work). */
    public static Deadline none() {
        return NONE;
    }

    public boolean passed() {
        return bounded && System.nanoTime() - endNanos >= 0;
    }

    /** {@code timeout}, or less when less is left; zero when the deadline has passed. */
    public Duration cap(Duration timeout) {
        if (!bounded) {
            return timeout;
        }
        long left = endNanos - System.nanoTime();
        if (left <= 0) {
            return Duration.ZERO;
        }
        return left < timeout.toNanos() ? Duration.ofNanos(left) : timeout;
    }
}
