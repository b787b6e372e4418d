package dev.hydracore.voice.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
    @Test
    void generatedKeysAreWellFormedUniqueAndCarryTheirId() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            ApiKeys.NewKey k = ApiKeys.generate();
            assertTrue(ApiKeys.wellFormed(k.plaintext()), "generated key must be well formed");
            assertTrue(k.plaintext().startsWith(k.keyId() + "_"));
            assertEquals(15, k.keyId().length());
            assertTrue(seen.add(k.plaintext()));
            assertFalse(k.toString().contains(k.plaintext().substring(16)), "toString never shows the secret");
        }
    }

    @Test
    void malformedKeysAreRecognisedWithoutALookup() {
        String good = ApiKeys.generate().plaintext();
        assertFalse(ApiKeys.wellFormed(null));
        assertFalse(ApiKeys.wellFormed(""));
        assertFalse(ApiKeys.wellFormed("hk_demo"));
        assertFalse(ApiKeys.wellFormed(good + "A"));
        assertFalse(ApiKeys.wellFormed(good.substring(1)));
        assertFalse(ApiKeys.wellFormed("xx" + good.substring(2)));
        assertFalse(ApiKeys.wellFormed(good.substring(0, 5) + "!" + good.substring(6)));
        assertFalse(ApiKeys.wellFormed(good.substring(0, 20) + "+" + good.substring(21)));
        assertFalse(ApiKeys.wellFormed(good.substring(0, 3) + "A" + good.substring(4)), "upper case in the id part");
    }

    @Test
    void digestIsHmacSha256Hex() {
        // RFC-style published example: HMAC_SHA256("key", "The quick brown fox jumps over the lazy dog").
        assertEquals(
                "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
                ApiKeys.digestHex(
                        "key".getBytes(StandardCharsets.UTF_8), "The quick brown fox jumps over the lazy dog"));
        assertNotEquals(
                ApiKeys.digestHex("pepper-a".getBytes(StandardCharsets.UTF_8), "k"),
                ApiKeys.digestHex("pepper-b".getBytes(StandardCharsets.UTF_8), "k"));
    }

    @Test
    void constantTimeEqualsIsPlainEquality() {
        assertTrue(ApiKeys.constantTimeEquals("abc", "abc"));
        assertFalse(ApiKeys.constantTimeEquals("abc", "abd"));
        assertFalse(ApiKeys.constantTimeEquals("abc", "abcd"));
    }
}
