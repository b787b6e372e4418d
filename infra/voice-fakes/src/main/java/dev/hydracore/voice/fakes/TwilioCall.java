package dev.hydracore.voice.fakes;

import java.time.Instant;
import java.util.Set;

/** A Call of a fake Twilio account. {@code status} is one of Twilio's call statuses. */
public record TwilioCall(
        String sid,
        String accountSid,
        String phoneNumberSid,
        String from,
        String to,
        String status,
        Instant startTime,
        Instant endTime) {
    private static final Set<String> LIVE = Set.of("queued", "ringing", "in-progress");

    /** An inbound call in progress to {@code number}. */
    public static TwilioCall inProgress(TwilioNumber number, String from) {
        return new TwilioCall(
                "CA" + FakeProvider.randomHex(16),
                number.accountSid(),
                number.sid(),
                from,
                number.phoneNumber(),
                "in-progress",
                Instant.now(),
                null);
    }

    public boolean isLive() {
        return LIVE.contains(status);
    }

    public TwilioCall ended(String endStatus) {
        return new TwilioCall(sid, accountSid, phoneNumberSid, from, to, endStatus, startTime, Instant.now());
    }
}
