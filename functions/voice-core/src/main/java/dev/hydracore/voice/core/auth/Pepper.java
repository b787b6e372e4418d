package dev.hydracore.voice.core.auth;

import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The API-key pepper from Secrets Manager, fetched on first use and then kept for the life of the
 * execution environment (rotating it means re-hashing keys: a deployment event, not a runtime one).
 * Never fetched at init, so a SnapStart snapshot never contains it.
 */
public final class Pepper {
    private final SecretsManagerClient secrets;
    private final String secretId;
    private volatile byte[] value;

    public Pepper(SecretsManagerClient secrets, String secretId) {
        this.secrets = secrets;
        this.secretId = secretId;
    }

    public byte[] bytes() {
        byte[] v = value;
        if (v == null) {
            synchronized (this) {
                if (value == null) {
                    String s = secrets.getSecretValue(r -> r.secretId(secretId)).secretString();
                    if (s == null || s.length() < 32) {
                        throw new IllegalStateException(
                                "the API-key pepper secret is missing or shorter than 32 characters");
                    }
                    value = s.getBytes(StandardCharsets.UTF_8);
                }
                v = value;
            }
        }
        return v;
    }

    /** True once the value was fetched (and until {@link #clear()}). */
    public boolean loaded() {
        return value != null;
    }

    /** Drops the fetched value (SnapStart: no secret may sit in a snapshot); the next use fetches it again. */
    public synchronized void clear() {
        byte[] v = value;
        value = null;
        if (v != null) {
            java.util.Arrays.fill(v, (byte) 0);
        }
    }
}
