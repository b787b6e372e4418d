package dev.hydracore.voice.core.store;

import dev.hydracore.voice.core.Deadline;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one retry pause of the store layer: exponential with jitter (a pause between half and all
 * of {@code base * 2^attempt}, at most {@code cap}), as DynamoDB's guidance asks for lost races,
 * throttled reads and unprocessed batch items. After {@code maxAttempts} the caller gives up with
 * a {@link RetryLaterException}.
 */
record Backoff(long baseMillis, long capMillis, int maxAttempts) {
    /** Lost transaction races and unprocessed reads of one call: short, so concurrent deliveries spread out. */
    static final Backoff CONTENTION = new Backoff(2, 50, 10);
    /** Unprocessed BatchWriteItem deletes. */
    static final Backoff UNPROCESSED_ITEMS = new Backoff(25, 1600, 6);

    /** The pause before attempt {@code attempt + 1}, in milliseconds. */
    long millis(int attempt) {
        long cap = Math.min(capMillis, baseMillis << Math.min(attempt, 16));
        return ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
    }

    /** Pauses after failed attempt {@code attempt}, or throws {@code giveUp} once it was the last one. */
    void pauseOrGiveUp(int attempt, RetryLaterException giveUp) {
        pauseOrGiveUp(attempt, Deadline.none(), giveUp);
    }

    /**
     * As {@link #pauseOrGiveUp(int, RetryLaterException)}, and throws {@link OutOfTimeException}
     * when the deadline has passed or would pass during the pause: no attempt starts after it.
     */
    void pauseOrGiveUp(int attempt, Deadline deadline, RetryLaterException giveUp) {
        if (attempt >= maxAttempts) {
            throw giveUp;
        }
        long pause = millis(attempt);
        if (deadline.passed() || deadline.cap(Duration.ofMillis(pause)).toMillis() < pause) {
            throw new OutOfTimeException();
        }
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw giveUp;
        }
    }
}
