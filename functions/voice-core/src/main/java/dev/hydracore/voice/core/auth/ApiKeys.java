package dev.hydracore.voice.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The API key format and its keyed hash. A key is {@code hk_<key id>_<secret>}: the key id (12
 * lower-case base32 characters, 60 bits) is public and shown in listings; the secret is 32 random
 * bytes (256 bits) base64url-encoded. Only HMAC-SHA-256(pepper, key) is ever stored.
 */
public final class ApiKeys {
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final int KEY_ID_CHARS = 12;
    private static final int SECRET_CHARS = 43;
    static final int KEY_LENGTH = 3 + KEY_ID_CHARS + 1 + SECRET_CHARS;

    private ApiKeys() {}

    public static NewKey generate() {
        char[] id = new char[KEY_ID_CHARS];
        for (int i = 0; i < id.length; i++) {
            id[i] = BASE32[Randomness.SOURCE.nextInt(BASE32.length)];
        }
        byte[] secret = new byte[32];
        Randomness.SOURCE.nextBytes(secret);
        String keyId = "hk_" + new String(id);
        return new NewKey(
                keyId, keyId + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    }

    /** Shape check before any lookup, so garbage never reaches DynamoDB. */
    public static boolean wellFormed(String key) {
        if (key == null
                || key.length() != KEY_LENGTH
                || !key.startsWith("hk_")
                || key.charAt(3 + KEY_ID_CHARS) != '_') {
            return false;
        }
        for (int i = 3; i < 3 + KEY_ID_CHARS; i++) {
            char c = key.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) {
                return false;
            }
        }
        for (int i = 4 + KEY_ID_CHARS; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /** The public key id of a {@link #wellFormed} key ({@code hk_} and 12 characters), what its record is found by. */
    public static String keyId(String key) {
        return key.substring(0, 3 + KEY_ID_CHARS);
    }

    public static String digestHex(byte[] pepper, String key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(pepper, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Constant-time equality of two strings (as UTF-8 bytes). */
    public static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    public record NewKey(String keyId, String plaintext) {
        @Override
        public String toString() {
            return "NewKey[keyId=" + keyId + ", plaintext=<redacted>]";
        }
    }

    /** Built on first use (key generation only), not when a function that only checks keys loads this class. */
    private static final class Randomness {
        static final SecureRandom SOURCE = new SecureRandom();
    }
}
