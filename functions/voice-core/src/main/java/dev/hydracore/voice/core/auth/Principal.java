package dev.hydracore.voice.core.auth;

/** Who is calling: the tenant (and key id) of an authenticated API key. Not a phone number. */
public record Principal(String tenantId, String keyId) {}
