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

    /**
     * A deadline {@code budget} from now, but no later than {@code reserve} before this one ends:
     * a step's own budget inside a larger piece of work, leaving time for what must follow it.
     */
    public Deadline within(Duration budget, Duration reserve) {
        long own = System.nanoTime() + budget.toNanos();
        long latest = endNanos - reserve.toNanos();
        return new Deadline(own - latest < 0 ? own : latest);
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
