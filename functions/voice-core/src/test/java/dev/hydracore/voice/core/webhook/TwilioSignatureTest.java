package dev.hydracore.voice.core.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every Twilio vector of signature-test-vectors.md, port toggling, and tampering. */
class TwilioSignatureTest {
    static final String TOKEN = "12345";
    static final List<Map.Entry<String, String>> PARAMS = List.of(
            Map.entry("CallSid", "CA1234567890ABCDE"),
            Map.entry("Caller", "+14158675309"),
            Map.entry("Digits", "1234"),
            Map.entry("From", "+14158675309"),
            Map.entry("To", "+18005551212"));
    static final String URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
    static final String URL_443 = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
    static final String URL_1234 = "http://mycompany.com:1234/myapp.php?foo=1&bar=2";

    @Test
    void publishedVectorsSign() {
        assertEquals("RSOYDt4T1cUTdK1PDd93/VVr8B8=", TwilioSignature.sign(URL, PARAMS, TOKEN));
        assertEquals("kvajT1Ptam85bY51eRf/AJRuM3w=", TwilioSignature.sign(URL_443, PARAMS, TOKEN));
        assertEquals("Zmvh+3yNM1Phv2jhDCwEM3q5ebU=", TwilioSignature.sign(URL_1234, PARAMS, TOKEN));
        assertEquals("zYQTYrRWXE7LtzbG4PfP7/bkkGo=", TwilioSignature.sign(URL, List.of(), TOKEN));
        assertEquals(
                "1xaxFBvyzXYvWplzNOSs28HWO94=", TwilioSignature.sign("https://mycompany.com/myapp.php", PARAMS, TOKEN));
    }

    @Test
    void publishedVectorsVerify() {
        assertTrue(TwilioSignature.verify("RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL, PARAMS, TOKEN));
        assertTrue(TwilioSignature.verify("kvajT1Ptam85bY51eRf/AJRuM3w=", URL_443, PARAMS, TOKEN));
        assertTrue(TwilioSignature.verify("Zmvh+3yNM1Phv2jhDCwEM3q5ebU=", URL_1234, PARAMS, TOKEN));
        assertTrue(TwilioSignature.verify("zYQTYrRWXE7LtzbG4PfP7/bkkGo=", URL, List.of(), TOKEN));
        assertTrue(TwilioSignature.verify(
                "1xaxFBvyzXYvWplzNOSs28HWO94=", "https://mycompany.com/myapp.php", PARAMS, TOKEN));
    }

    @Test
    void defaultPortIsAcceptedAddedOrRemoved() {
        // Configured without the port, Twilio signed with it; and the other way round.
        assertTrue(TwilioSignature.verify("kvajT1Ptam85bY51eRf/AJRuM3w=", URL, PARAMS, TOKEN));
        assertTrue(TwilioSignature.verify("RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL_443, PARAMS, TOKEN));
        // A non-default port is never dropped.
        assertFalse(TwilioSignature.verify(
                "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=", "http://mycompany.com/myapp.php?foo=1&bar=2", PARAMS, TOKEN));
        assertEquals(List.of(URL_1234), TwilioSignature.urlVariants(URL_1234));
        assertEquals(
                List.of("http://h.example/x", "http://h.example:80/x"),
                TwilioSignature.urlVariants("http://h.example/x"));
        assertEquals(
                List.of("http://h.example:80/x", "http://h.example/x"),
                TwilioSignature.urlVariants("http://h.example:80/x"));
        assertEquals(
                List.of("https://h.example:443", "https://h.example"),
                TwilioSignature.urlVariants("https://h.example:443"));
    }

    @Test
    void parameterOrderOnTheWireDoesNotMatter() {
        List<Map.Entry<String, String>> reversed = new ArrayList<>(PARAMS);
        java.util.Collections.reverse(reversed);
        assertTrue(TwilioSignature.verify("RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL, reversed, TOKEN));
    }

    @Test
    void tamperingFails() {
        List<Map.Entry<String, String>> changed = new ArrayList<>(PARAMS);
        changed.set(2, Map.entry("Digits", "1235"));
        List<Map.Entry<String, String>> extra = new ArrayList<>(PARAMS);
        extra.add(Map.entry("CallStatus", "completed"));
        assertFalse(TwilioSignature.verify("RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL, changed, TOKEN));
        assertFalse(TwilioSignature.verify("RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL, extra, TOKEN));
        assertFalse(TwilioSignature.verify("RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL, PARAMS, "12346"));
        assertFalse(TwilioSignature.verify("RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL + "&x=1", PARAMS, TOKEN));
        assertFalse(
                TwilioSignature.verify("RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL.replace("https", "http"), PARAMS, TOKEN));
        assertFalse(TwilioSignature.verify("RSOYDt4T1cUTdK1PDd93/VVr8B9=", URL, PARAMS, TOKEN));
        assertFalse(TwilioSignature.verify(" RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL, PARAMS, TOKEN));
        assertFalse(TwilioSignature.verify("", URL, PARAMS, TOKEN));
        assertFalse(TwilioSignature.verify(null, URL, PARAMS, TOKEN));
        assertFalse(TwilioSignature.verify("RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL, PARAMS, ""));
    }

    @Test
    void repeatedParametersAreAllSigned() {
        List<Map.Entry<String, String>> twice = List.of(Map.entry("A", "2"), Map.entry("A", "1"), Map.entry("B", "x"));
        String sig = TwilioSignature.sign(URL, twice, TOKEN);
        assertTrue(TwilioSignature.verify(
                sig, URL, List.of(Map.entry("A", "1"), Map.entry("B", "x"), Map.entry("A", "2")), TOKEN));
        assertFalse(TwilioSignature.verify(sig, URL, List.of(Map.entry("A", "1"), Map.entry("B", "x")), TOKEN));
    }
}
