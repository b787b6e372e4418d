package dev.hydracore.voice.core.aws;

import java.time.Duration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;

/**
 * How hard one caller path tries each AWS call before it gives up, sized to who waits for the
 * answer: the one place these numbers live (docs/retries.md gives the budget of each path and why).
 * The SDK retries connection errors, timeouts, 5xx and throttling ({@code
 * ProvisionedThroughputExceeded}, {@code ThrottlingException}) with exponential backoff and full
 * jitter, throttling from a longer base; a call gives up after {@code attempts} or {@code
 * callTimeout}, whichever comes first, and the caller answers 503 with Retry-After. Lost
 * transaction races are retried by the stores themselves (store.Backoff), on a fresh read.
 *
 * @param attempts       the SDK's attempts per call, the first included
 * @param attemptTimeout one attempt, connection to last byte
 * @param callTimeout    every attempt and pause of one call together
 * @param baseDelay      the first pause after an error (doubling, full jitter, at most maxDelay)
 * @param throttledBase  the first pause after a throttle
 * @param maxDelay       the longest pause
 */
public record RetryPolicy(
        int attempts,
        Duration attemptTimeout,
        Duration callTimeout,
        Duration baseDelay,
        Duration throttledBase,
        Duration maxDelay) {
    /**
     * Provider webhooks: Retell waits 10 s, Twilio 15 s. An event makes up to four calls in a
     * row (pepper and data key are cached), so each gets at most 2 s and the 503 comes well before
     * the provider gives up (which would redeliver anyway, but later).
     */
    public static final RetryPolicy WEBHOOK = new RetryPolicy(
            3,
            Duration.ofMillis(800),
            Duration.ofSeconds(2),
            Duration.ofMillis(25),
            Duration.ofMillis(100),
            Duration.ofMillis(400));
    /**
     * One webhook event, every call and re-decision together (the webhook handler's {@code
     * Deadline}): the store's loop starts no read or transaction past it, and caps each call's
     * timeout to what is left, so the 503 comes by 7 s, 3 s before Retell gives up at 10 s (room for
     * Lambda and the network), however many races are lost or calls are slow.
     */
    public static final Duration WEBHOOK_EVENT_BUDGET = Duration.ofSeconds(7);
    /** The management API (setup, teardown, status, calls): a client waiting on API Gateway's 30 s, a few calls each. */
    public static final RetryPolicy API = new RetryPolicy(
            3,
            Duration.ofSeconds(1),
            Duration.ofSeconds(3),
            Duration.ofMillis(25),
            Duration.ofMillis(200),
            Duration.ofSeconds(1));
    /** The sweeper: nobody waits, the next run comes in a minute, its own timeout is 120 s: patient. */
    public static final RetryPolicy SWEEPER = new RetryPolicy(
            6,
            Duration.ofSeconds(2),
            Duration.ofSeconds(10),
            Duration.ofMillis(50),
            Duration.ofMillis(500),
            Duration.ofSeconds(3));
    /** The operator CLI: a person waits, and a refusal means doing it again by hand. */
    public static final RetryPolicy ADMIN = new RetryPolicy(
            8,
            Duration.ofSeconds(5),
            Duration.ofSeconds(30),
            Duration.ofMillis(100),
            Duration.ofMillis(500),
            Duration.ofSeconds(5));
    /** One attempt, no retry: for tests that count what reaches the wire. */
    public static final RetryPolicy NONE = new RetryPolicy(
            1, Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ZERO, Duration.ZERO, Duration.ZERO);

    /**
     * The SDK's strategy for this policy. No circuit breaker: attempts are already bounded per
     * call, and a bucket drained by one invocation's faults would refuse retries to the next ones
     * that the same warm environment serves.
     */
    RetryStrategy strategy() {
        if (attempts <= 1) {
            return AwsRetryStrategy.doNotRetry();
        }
        return AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(attempts)
                .backoffStrategy(BackoffStrategy.exponentialDelay(baseDelay, maxDelay))
                .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(throttledBase, maxDelay))
                .circuitBreakerEnabled(false)
                .build();
    }
}
