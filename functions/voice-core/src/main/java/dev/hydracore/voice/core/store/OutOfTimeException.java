package dev.hydracore.voice.core.store;

/**
 * The caller's {@link dev.hydracore.voice.core.Deadline} passed before the store had decided: no
 * further read or transaction is started (one cut short by the deadline either committed, and a
 * redelivery finds it, or did not). The caller answers 503 with Retry-After.
 */
public final class OutOfTimeException extends RetryLaterException {
    public OutOfTimeException() {
        super("the event's deadline passed; retry later");
    }
}
