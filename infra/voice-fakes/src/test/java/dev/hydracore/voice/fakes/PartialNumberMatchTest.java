package dev.hydracore.voice.fakes;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Twilio's PhoneNumber= filter as the fake applies it: partial, anywhere, '*' for one digit. */
class PartialNumberMatchTest {
    @Test
    void partialNumbersAndWildcardsMatchAnywhere() {
        assertTrue(FakeTwilio.matchesPartially("+15551230001", "+15551230001"));
        assertTrue(FakeTwilio.matchesPartially("+1555", "+15551230001"));
        assertTrue(FakeTwilio.matchesPartially("1230", "+15551230001"));
        assertTrue(FakeTwilio.matchesPartially("555*23", "+15551230001"));
        assertFalse(FakeTwilio.matchesPartially("+1555123000", "+14155550100"));
        assertFalse(FakeTwilio.matchesPartially("555*24", "+15551230001"));
        assertFalse(FakeTwilio.matchesPartially("+1.55", "+15551230001"), "only * is special");
    }
}
