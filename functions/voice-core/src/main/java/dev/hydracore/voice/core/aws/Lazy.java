package dev.hydracore.voice.core.aws;

import java.util.function.Supplier;

/**
 * A value built on first use, once, with a lock of its own: two threads asking for two different
 * SDK clients (the fetch-ahead thread its Secrets Manager client, the handler its DynamoDB client)
 * build them at the same time instead of one waiting for the other's build.
 */
final class Lazy<T> {
    private volatile T value;

    /**
     * The value, built by {@code build} on the first call. The builder is passed here, not held, so
     * that a client's classes load only when it is first asked for (a function's package holds only
     * the SDK modules it uses: status has no KMS).
     */
    T get(Supplier<T> build) {
        T v = value;
        if (v == null) {
            synchronized (this) {
                v = value;
                if (v == null) {
                    v = build.get();
                    value = v;
                }
            }
        }
        return v;
    }
}
