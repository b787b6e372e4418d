package dev.hydracore.voice.core.provider;

import java.time.Duration;

/**
 * The time a piece of provider work may still take: each request's timeout is the smaller of its
 * own and what is left, so a sequence of requests ends within its budget however slow each one is.
 */
public final class Deadline {
    private final long endNanos;

    private Deadline(long endNanos) {
        this.endNanos = endNanos;
    }

    public static Deadline in(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos());
    }

    public boolean passed() {
        return System.nanoTime() - endNanos >= 0;
    }

    /** {@code timeout}, or less when less is left; zero when the deadline has passed. */
    public Duration cap(Duration timeout) {
        long left = endNanos - System.nanoTime();
        if (left <= 0) {
            return Duration.ZERO;
        }
        return left < timeout.toNanos() ? Duration.ofNanos(left) : timeout;
    }
}
