package dev.hydracore.voice.core.http;

/** Limits every route applies before parsing a body. */
public final class RequestLimits {
    /** Bodies over this answer 413 (the contract's cap). */
    public static final int MAX_BODY_BYTES = 64 * 1024;
    /**
     * The webhook's cap: Lambda's synchronous payload quota (6 MB), the most API Gateway can deliver
     * to a function. Provider events carry whole calls; nothing a provider sends is refused short of it.
     */
    public static final int MAX_WEBHOOK_BODY_BYTES = 6 * 1024 * 1024;

    private RequestLimits() {}
}
