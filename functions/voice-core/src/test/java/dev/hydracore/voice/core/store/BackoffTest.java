package dev.hydracore.voice.core.store;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hydracore.voice.core.Deadline;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The store loop's pause: bounded by attempts, and by the caller's deadline when it has one. */
class BackoffTest {
    @Test
    void noPauseStartsOnceTheDeadlineHasPassedOrWouldPassDuringIt() {
        RetryLaterException giveUp = new CallTransitions.ContentionException();
        assertThrows(
                OutOfTimeException.class,
                () -> Backoff.CONTENTION.pauseOrGiveUp(1, Deadline.in(Duration.ZERO), giveUp));
        // The pause after attempt 5 is 25-50 ms: a deadline 1 ms away would pass during it.
        assertThrows(
                OutOfTimeException.class,
                () -> Backoff.CONTENTION.pauseOrGiveUp(5, Deadline.in(Duration.ofMillis(1)), giveUp));
        assertDoesNotThrow(() -> Backoff.CONTENTION.pauseOrGiveUp(1, Deadline.in(Duration.ofSeconds(5)), giveUp));
        assertDoesNotThrow(() -> Backoff.CONTENTION.pauseOrGiveUp(1, Deadline.none(), giveUp));
    }

    @Test
    void theLastAttemptGivesUpWhateverTheDeadline() {
        RetryLaterException giveUp = new CallTransitions.ContentionException();
        int last = Backoff.CONTENTION.maxAttempts();
        assertSame(
                giveUp,
                assertThrows(
                        RetryLaterException.class,
                        () -> Backoff.CONTENTION.pauseOrGiveUp(last, Deadline.in(Duration.ofSeconds(5)), giveUp)));
        assertSame(
                giveUp,
                assertThrows(
                        RetryLaterException.class,
                        () -> Backoff.CONTENTION.pauseOrGiveUp(last, Deadline.none(), giveUp)));
    }
}
