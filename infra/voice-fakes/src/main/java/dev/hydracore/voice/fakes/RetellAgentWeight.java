package dev.hydracore.voice.fakes;

/** One entry of a Retell number's {@code inbound_agents}: an agent and its share of the calls. */
public record RetellAgentWeight(String agentId, double weight) {}
