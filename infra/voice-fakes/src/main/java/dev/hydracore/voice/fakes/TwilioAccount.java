package dev.hydracore.voice.fakes;

/** A fake Twilio account: its SID and auth token (HTTP basic auth's user and password). */
public record TwilioAccount(String sid, String authToken) {
    public TwilioAccount {
        if (sid == null || !sid.matches("AC[0-9a-f]{32}")) {
            throw new IllegalArgumentException("an account SID is AC + 32 hex digits");
        }
        if (authToken == null || authToken.isEmpty()) {
            throw new IllegalArgumentException("an account has an auth token");
        }
    }

    public static TwilioAccount random() {
        return new TwilioAccount("AC" + FakeProvider.randomHex(16), FakeProvider.randomHex(16));
    }

    @Override
    public String toString() {
        return "TwilioAccount[sid=" + sid + ", authToken=(redacted)]";
    }
}
