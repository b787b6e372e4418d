package dev.hydracore.voice.core.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TwilioFormAndTwimlTest {

    static TwilioForm form(String s) {
        return TwilioForm.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void decodesPairsKeepingOrderAndRepeats() {
        TwilioForm f = form("CallSid=CA1&From=%2B14155550123&Name=Ada+Lovelace&A=1&A=2&Empty=&Bare&&");
        assertEquals(
                List.of(
                        Map.entry("CallSid", "CA1"),
                        Map.entry("From", "+14155550123"),
                        Map.entry("Name", "Ada Lovelace"),
                        Map.entry("A", "1"),
                        Map.entry("A", "2"),
                        Map.entry("Empty", ""),
                        Map.entry("Bare", "")),
                f.pairs());
        assertEquals(Optional.of("1"), f.first("A"));
        assertTrue(f.has("Empty"));
        assertFalse(f.has("Missing"));
        assertEquals(List.of(), form("").pairs());
    }

    @Test
    void malformedEncodingIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> form("A=%zz"));
        assertThrows(IllegalArgumentException.class, () -> form("A=%2"));
        assertThrows(IllegalArgumentException.class, () -> TwilioForm.parse(new byte[] {'A', '=', (byte) 0xC3}));
    }

    @Test
    void incomingCallConnectsTheStreamWithEscapedParameters() {
        String x = TwimlAnswer.forIncomingCall(
                "wss://bot.example/ws?a=1&b=\"2\"", "497f6eca-6276-4993-bfeb-53cbbbba6f08", "+1415<5550123>", "CA'1");
        assertEquals(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Connect>"
                        + "<Stream url=\"wss://bot.example/ws?a=1&amp;b=&quot;2&quot;\">"
                        + "<Parameter name=\"instance_id\" value=\"497f6eca-6276-4993-bfeb-53cbbbba6f08\"/>"
                        + "<Parameter name=\"caller\" value=\"+1415&lt;5550123&gt;\"/>"
                        + "<Parameter name=\"call_id\" value=\"CA&apos;1\"/>"
                        + "</Stream></Connect></Response>",
                x);
    }

    @Test
    void noStreamUrlSaysUnavailableAndHangsUp() {
        for (String none : new String[] {null, "", "  "}) {
            String x = TwimlAnswer.forIncomingCall(none, "i", "+1", "CA1");
            assertTrue(
                    x.contains("<Response><Say>") && x.contains("unavailable") && x.endsWith("<Hangup/></Response>"),
                    x);
            assertFalse(x.contains("<Connect>"));
        }
        assertEquals("text/xml", TwimlAnswer.response("<Response/>").headers().get("content-type"));
        assertEquals("ab", TwimlAnswer.escape("a\u0001b"));
    }
}
