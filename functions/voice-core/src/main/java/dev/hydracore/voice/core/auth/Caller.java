package dev.hydracore.voice.core.auth;

/** Who is calling: the tenant an authenticated API key belongs to. */
public record Caller(String tenantId, String keyId) {}
