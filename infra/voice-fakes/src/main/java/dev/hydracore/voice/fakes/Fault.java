package dev.hydracore.voice.fakes;

/**
 * What the next {@code times} requests of one operation (the provider document's operationId, or
 * {@code *} for every operation) get instead of the fake's normal answer: a wait of
 * {@code delayMillis} first, then the provider's error body with {@code status} (0: the normal
 * answer, after the wait). A 429 carries {@code Retry-After: retryAfterSeconds}.
 */
public record Fault(String operation, int status, long delayMillis, int times, int retryAfterSeconds) {
    public static final String ANY_OPERATION = "*";

    public Fault {
        if (operation == null || operation.isBlank()) {
            throw new IllegalArgumentException("a fault names an operation (or *)");
        }
        if (status != 0 && (status < 400 || status > 599)) {
            throw new IllegalArgumentException("a fault's status is 0 (answer normally) or 4xx/5xx: " + status);
        }
        if (delayMillis < 0 || times < 1 || retryAfterSeconds < 0) {
            throw new IllegalArgumentException("a fault needs delay >= 0, times >= 1, retry-after >= 0");
        }
    }

    public static Fault status(String operation, int status, int times) {
        return new Fault(operation, status, 0, times, status == 429 ? 1 : 0);
    }

    public static Fault delay(String operation, long delayMillis, int times) {
        return new Fault(operation, 0, delayMillis, times, 0);
    }

    boolean appliesTo(String op) {
        return operation.equals(ANY_OPERATION) || operation.equals(op);
    }

    Fault used() {
        return new Fault(operation, status, delayMillis, times - 1, retryAfterSeconds);
    }
}
