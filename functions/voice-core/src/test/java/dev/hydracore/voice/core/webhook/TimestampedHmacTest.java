package dev.hydracore.voice.core.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The published Retell vector (signature-test-vectors.md) and every tampering case around it. */
class TimestampedHmacTest {
    static final byte[] BODY = "{\"event\":\"call_ended\"}".getBytes(StandardCharsets.UTF_8);
    static final String KEY = "test-api-key";
    static final long TS = 1700000000000L;
    static final String DIGEST = "07024cabe7dd8f6d1c6e4a8324ca92c812e6ad4a7ee506c04f7e462e3321823e";
    static final String HEADER = "v=1700000000000,d=" + DIGEST;

    @Test
    void publishedVectorVerifiesAndSignsIdentically() {
        assertTrue(TimestampedHmac.verify(HEADER, BODY, KEY, TS));
        assertEquals(HEADER, TimestampedHmac.sign(BODY, KEY, TS));
    }

    @Test
    void timestampWindowEdges() {
        assertTrue(TimestampedHmac.verify(HEADER, BODY, KEY, TS + 300_000));
        assertTrue(TimestampedHmac.verify(HEADER, BODY, KEY, TS - 300_000));
        assertFalse(TimestampedHmac.verify(HEADER, BODY, KEY, TS + 300_001));
        assertFalse(TimestampedHmac.verify(HEADER, BODY, KEY, TS - 300_001));
    }

    @Test
    void tamperedBodyFails() {
        assertFalse(TimestampedHmac.verify(
                HEADER, "{\"event\":\"call_ended\"} ".getBytes(StandardCharsets.UTF_8), KEY, TS));
        assertFalse(TimestampedHmac.verify(
                HEADER, "{\"event\":\"call_started\"}".getBytes(StandardCharsets.UTF_8), KEY, TS));
        assertFalse(TimestampedHmac.verify(HEADER, new byte[0], KEY, TS));
    }

    @Test
    void otherKeyFails() {
        assertFalse(TimestampedHmac.verify(HEADER, BODY, "test-api-key2", TS));
        assertFalse(TimestampedHmac.verify(HEADER, BODY, "Test-api-key", TS));
        assertFalse(TimestampedHmac.verify(HEADER, BODY, "", TS));
        assertFalse(TimestampedHmac.verify(HEADER, BODY, null, TS));
    }

    @Test
    void headerFormatIsStrict() {
        String[] bad = {
            "x" + HEADER,
            " " + HEADER,
            HEADER + " ",
            HEADER + "\n",
            "sha256=" + HEADER,
            "v=1700000000000,d=" + DIGEST.substring(0, 62),
            "v=1700000000000,d=" + DIGEST + "00",
            "v=1700000000000,d=" + DIGEST.substring(0, 63) + "g",
            "v=1700000000000,d=" + DIGEST.substring(0, 63) + "z",
            "v=1700000000000,d=" + DIGEST.toUpperCase(),
            "d=" + DIGEST + ",v=1700000000000",
            "v=1700000000000, d=" + DIGEST,
            "v=,d=" + DIGEST,
            "v=-1700000000000,d=" + DIGEST,
            "v=1700000000000",
            "v=99999999999999999999,d=" + DIGEST,
            "",
        };
        for (String h : bad) {
            assertFalse(
                    TimestampedHmac.verify(h, BODY, KEY, TS),
                    "must refuse a malformed header (case " + h.length() + ")");
        }
        assertFalse(TimestampedHmac.verify(null, BODY, KEY, TS), "missing header");
    }

    @Test
    void timestampIsPartOfTheSignedMessage() {
        // Same digest, a timestamp one ms later (still in the window): the digest no longer matches.
        assertFalse(TimestampedHmac.verify("v=1700000000001,d=" + DIGEST, BODY, KEY, TS));
    }

    @Test
    void oneFlippedDigestCharacterFails() {
        char last = DIGEST.charAt(63);
        String flipped = DIGEST.substring(0, 63) + (last == '0' ? '1' : '0');
        assertFalse(TimestampedHmac.verify("v=1700000000000,d=" + flipped, BODY, KEY, TS));
    }

    @Test
    void hydraBotSignatureIsTheSameConstructionWithTheWebhookSecret() {
        byte[] body = "{\"event\":\"call.started\",\"call_id\":\"CA1\"}".getBytes(StandardCharsets.UTF_8);
        String secret = "0123456789abcdef-secret";
        String h = TimestampedHmac.sign(body, secret, TS);
        assertTrue(h.matches("v=1700000000000,d=[0-9a-f]{64}"));
        assertTrue(TimestampedHmac.verify(h, body, secret, TS + 1));
        assertFalse(TimestampedHmac.verify(h, body, KEY, TS));
    }
}
