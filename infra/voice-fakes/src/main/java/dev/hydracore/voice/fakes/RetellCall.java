package dev.hydracore.voice.fakes;

import java.time.Instant;
import java.util.Set;

/** A phone call of the fake Retell workspace; {@code callStatus} is one of Retell's statuses. */
public record RetellCall(
        String callId,
        String agentId,
        String fromNumber,
        String toNumber,
        String callStatus,
        Instant start,
        Instant end) {
    private static final Set<String> LIVE = Set.of("registered", "ongoing");

    /** An inbound call, ongoing, to {@code toNumber} answered by {@code agentId}. */
    public static RetellCall ongoing(String agentId, String fromNumber, String toNumber) {
        return new RetellCall(
                "call_" + FakeProvider.randomHex(14), agentId, fromNumber, toNumber, "ongoing", Instant.now(), null);
    }

    public boolean isLive() {
        return LIVE.contains(callStatus);
    }

    public RetellCall ended() {
        return new RetellCall(callId, agentId, fromNumber, toNumber, "ended", start, Instant.now());
    }
}
