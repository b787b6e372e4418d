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

    /**
     * A deadline {@code budget} from now, but no later than {@code reserve} before this one ends:
     * a step's own budget inside a larger piece of work, leaving time for what must follow it.
     * Within no deadline, just {@code budget} from now.
     */
    public Deadline within(Duration budget, Duration reserve) {
        long own = System.nanoTime() + budget.toNanos();
        if (!bounded) {
            return new Deadline(own, true);
        }
        long latest = endNanos - reserve.toNanos();
        return new Deadline(own - latest < 0 ? own : latest, true);
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
