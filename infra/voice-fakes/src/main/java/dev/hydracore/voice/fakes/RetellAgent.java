package dev.hydracore.voice.fakes;

import java.time.Instant;

/** An agent of the fake Retell workspace: the fields provisioning reads and writes. */
public record RetellAgent(String agentId, String agentName, String webhookUrl, int version, Instant modified) {
    public static RetellAgent of(String agentId) {
        return new RetellAgent(agentId, null, null, 0, Instant.now());
    }

    public static RetellAgent random() {
        return of("agent_" + FakeProvider.randomHex(14));
    }

    public RetellAgent withWebhookUrl(String url) {
        return new RetellAgent(agentId, agentName, url, version, Instant.now());
    }

    public RetellAgent withAgentName(String name) {
        return new RetellAgent(agentId, name, webhookUrl, version, Instant.now());
    }
}
