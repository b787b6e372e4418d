package dev.hydracore.voice.core.http;

/** Limits every route applies before parsing a body. */
public final class RequestLimits {
    /** Bodies over this answer 413 (the contract's cap). */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    private RequestLimits() {}
}
