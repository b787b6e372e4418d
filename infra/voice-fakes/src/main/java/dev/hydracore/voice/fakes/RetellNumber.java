package dev.hydracore.voice.fakes;

import java.time.Instant;
import java.util.List;

/** A phone number of the fake Retell workspace: where its inbound calls go. {@code null}: unset. */
public record RetellNumber(
        String phoneNumber,
        List<RetellAgentWeight> inboundAgents,
        String inboundWebhookUrl,
        String nickname,
        Instant modified) {
    public RetellNumber {
        inboundAgents = inboundAgents == null ? null : List.copyOf(inboundAgents);
    }

    public static RetellNumber of(String phoneNumber) {
        return new RetellNumber(phoneNumber, null, null, null, Instant.now());
    }

    public RetellNumber withInboundAgents(List<RetellAgentWeight> agents) {
        return new RetellNumber(phoneNumber, agents, inboundWebhookUrl, nickname, Instant.now());
    }

    /** One inbound agent taking every call (weight 1). */
    public RetellNumber withInboundAgent(String agentId) {
        return withInboundAgents(agentId == null ? null : List.of(new RetellAgentWeight(agentId, 1.0)));
    }

    public RetellNumber withInboundWebhookUrl(String url) {
        return new RetellNumber(phoneNumber, inboundAgents, url, nickname, Instant.now());
    }

    public RetellNumber withNickname(String name) {
        return new RetellNumber(phoneNumber, inboundAgents, inboundWebhookUrl, name, Instant.now());
    }
}
