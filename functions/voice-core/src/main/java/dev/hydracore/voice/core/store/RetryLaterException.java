package dev.hydracore.voice.core.store;

/**
 * DynamoDB did not finish the work within the store's bounded retries (lost races, throttled
 * reads, unprocessed batch items). Nothing half-done is left that a retry would not finish;
 * {@code ApiHandler} answers 503 with Retry-After.
 */
public class RetryLaterException extends RuntimeException {
    public RetryLaterException(String message) {
        super(message, null, false, false);
    }
}
