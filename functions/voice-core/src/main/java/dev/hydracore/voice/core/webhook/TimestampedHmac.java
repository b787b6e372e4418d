package dev.hydracore.voice.core.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Retell's {@code x-retell-signature}: {@code v=<unix ms>,d=<hex HMAC-SHA256(key, rawBody + ms)>},
 * accepted within ±5 minutes of our clock. The Pipecat bot's {@code x-hydra-signature} uses the same
 * construction keyed with the channel's webhook_secret ({@link #verify} serves both).
 */
public final class TimestampedHmac {
    public static final long TOLERANCE_MILLIS = 300_000;
    /** The whole header; {@link Matcher#matches()} so nothing may precede or follow it (not even a newline). */
    private static final Pattern HEADER = Pattern.compile("v=([0-9]{1,19}),d=([0-9a-f]{64})");

    private TimestampedHmac() {}

    /** True when the header is well formed, fresh, and its digest matches (compared in constant time). */
    public static boolean verify(String header, byte[] rawBody, String key, long nowMillis) {
        if (key == null || key.isEmpty() || rawBody == null) {
            return false;
        }
        Matcher m = freshHeader(header, nowMillis);
        if (m == null) {
            return false;
        }
        byte[] expected = digestHex(rawBody, key, Long.parseLong(m.group(1))).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, m.group(2).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * The cheap half of {@link #verify}: the header's format and the timestamp window, which need
     * no key — so a request failing them is refused before any read or decryption.
     */
    public static boolean wellFormedAndFresh(String header, long nowMillis) {
        return freshHeader(header, nowMillis) != null;
    }

    private static Matcher freshHeader(String header, long nowMillis) {
        if (header == null) {
            return null;
        }
        Matcher m = HEADER.matcher(header);
        if (!m.matches()) {
            return null;
        }
        long timestamp;
        try {
            timestamp = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return null;
        }
        // Math.abs of a subtraction could overflow for absurd timestamps; compare both ways instead.
        if (timestamp > nowMillis + TOLERANCE_MILLIS || timestamp < nowMillis - TOLERANCE_MILLIS) {
            return null;
        }
        return m;
    }

    /** The header a sender computes (the Pipecat bot, tests, local tooling). */
    public static String sign(byte[] rawBody, String key, long timestampMillis) {
        return "v=" + timestampMillis + ",d=" + digestHex(rawBody, key, timestampMillis);
    }

    private static String digestHex(byte[] rawBody, String key, long timestamp) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(rawBody);
            mac.update(Long.toString(timestamp).getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(mac.doFinal());
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
