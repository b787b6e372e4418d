package dev.hydracore.voice.core;

import java.math.BigDecimal;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;

/**
 * The JDK's own one-time initialisation that every environment's first request needs, begun on a
 * thread of its own as the runtime client loads the handler class, so that it runs beside the
 * handler's construction (on a core the first request does not use yet) instead of inside that
 * request. Pure: no I/O, no secret, nothing of a request; a failure only means the first request does
 * the work itself. What it covers, measured with a CPU profile of a status cold start
 * (docs/performance.md, "Cold start: the JDK's first-use costs"):
 *
 * <ul>
 *   <li>{@link BigDecimal}'s static initializer, which in JDK 25 computes 5^(2^16) (~7 ms,
 *       interpreted); the first JSON parser of the process (ours or the SDK's) needs it;
 *   <li>the JCA provider list up to the one serving {@code HmacSHA256} (the SDK's SigV4 signer and
 *       the API-key digest): finding it loads the providers before it, SunEC's elliptic-curve table
 *       among them (~4 ms); and {@code SHA-256} (the signer's payload hash).
 * </ul>
 */
final class JdkWarmUp {
    private JdkWarmUp() {}

    /** Starts the warm-up on a daemon thread and returns at once. */
    static void start() {
        Overlap.ahead("jdk-warm-up", JdkWarmUp::run);
    }

    private static void run() {
        BigDecimal.ONE.signum();
        try {
            Mac.getInstance("HmacSHA256");
            MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            // The request that needs the algorithm meets the same failure and reports it.
        }
    }
}
