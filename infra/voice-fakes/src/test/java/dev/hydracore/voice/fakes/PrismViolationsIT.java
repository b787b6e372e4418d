package dev.hydracore.voice.fakes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What Prism 5.14.2 reports and how ProviderFakes surfaces it: an invalid request never reaches
 * the fake (422), an invalid answer of the fake becomes a 500, both are rejections that fail
 * {@link ProviderFakes#assertPrismRejectedNothing()}; an undeclared error status is a warning that
 * does not.
 */
class PrismViolationsIT {
    private ProviderFakes fakes;
    private TwilioAccount account;
    private String auth;

    @BeforeEach
    void start() throws Exception {
        fakes = ProviderFakes.start();
        account = fakes.twilio().addAccount(TwilioAccount.random());
        auth = Http.basic(account.sid(), account.authToken());
    }

    @AfterEach
    void stop() {
        fakes.close();
    }

    @Test
    void anInvalidRequestIsRejectedBeforeTheFakeAndFailsTheCheck() {
        TwilioNumber n = fakes.twilio().addNumber(TwilioNumber.of(account.sid(), "+15551239001"));
        Http.Reply r = Http.form(
                fakes.twilioBaseUrl(),
                "/2010-04-01/Accounts/" + account.sid() + "/IncomingPhoneNumbers/" + n.sid() + ".json",
                auth,
                "VoiceUrl=not-a-url&VoiceMethod=PUT");
        assertEquals(422, r.status());
        assertEquals(List.of(), fakes.twilio().requests(), "Prism did not forward it");

        List<PrismViolation> v = fakes.rejections();
        assertEquals(2, v.size(), v::toString);
        assertTrue(
                v.stream()
                        .anyMatch(x ->
                                x.location().equals("body.VoiceUrl") && x.code().equals("format")),
                v::toString);
        assertTrue(
                v.stream()
                        .anyMatch(x -> x.location().equals("body.VoiceMethod")
                                && x.code().equals("enum")),
                v::toString);
        AssertionError e = assertThrows(AssertionError.class, fakes::assertPrismRejectedNothing);
        assertTrue(e.getMessage().contains("VoiceUrl"), e.getMessage());
        assertEquals(
                2,
                Http.get(fakes.twilioControlUrl(), "/_fake/violations", null)
                        .body()
                        .size());
    }

    @Test
    void anInvalidAnswerOfTheFakeIsReplacedAndFailsTheCheck() {
        // The fake does not check what it is seeded with: a voice URL that is not a URI.
        TwilioNumber n = fakes.twilio()
                .addNumber(TwilioNumber.of(account.sid(), "+15551239002").withVoiceUrl("not a url"));
        Http.Reply r = Http.get(
                fakes.twilioBaseUrl(),
                "/2010-04-01/Accounts/" + account.sid() + "/IncomingPhoneNumbers/" + n.sid() + ".json",
                auth);
        assertEquals(500, r.status());
        assertEquals(1, fakes.twilio().requests().size(), "the fake answered; Prism replaced the answer");
        List<PrismViolation> v = fakes.rejections();
        assertEquals(1, v.size(), v::toString);
        assertEquals("response.body.voice_url", v.getFirst().location());
        assertEquals("Error", v.getFirst().severity());
        assertThrows(AssertionError.class, fakes::assertPrismRejectedNothing);
    }

    @Test
    void aMissingAuthorizationHeaderIsARejection() {
        Http.Reply r = Http.get(fakes.retellBaseUrl(), "/get-agent/agent_x", null);
        assertEquals(401, r.status());
        assertEquals(List.of(), fakes.retell().requests(), "Prism answered it itself");
        assertEquals(1, fakes.rejections().size(), () -> fakes.violations().toString());
        assertEquals("retell", fakes.rejections().getFirst().provider());
    }

    @Test
    void anUndeclaredErrorStatusIsAWarningThatDoesNotCount() {
        Http.Reply r = Http.get(
                fakes.twilioBaseUrl(),
                "/2010-04-01/Accounts/" + account.sid() + "/Calls/CA" + "0".repeat(32) + ".json",
                auth);
        assertEquals(404, r.status());
        assertEquals(1, fakes.violations().size(), () -> fakes.violations().toString());
        PrismViolation w = fakes.violations().getFirst();
        assertEquals("Warning", w.severity());
        assertEquals(404, w.status());
        assertEquals(List.of(), fakes.rejections());
        fakes.assertPrismRejectedNothing();
    }
}
