package dev.hydracore.voice.tooling;

import dev.hydracore.voice.core.auth.ApiKeys;
import dev.hydracore.voice.core.auth.Pepper;
import dev.hydracore.voice.core.aws.AwsClients;
import dev.hydracore.voice.core.http.InstanceId;
import dev.hydracore.voice.core.store.ApiKeyStore;
import dev.hydracore.voice.core.store.InstanceStore;
import dev.hydracore.voice.core.store.TenantStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Locale;

/**
 * Operator actions on tenants, API keys and instance registrations: what {@code ./hydra admin}
 * runs and what tests use to set up callers. Works against any endpoint the clients name.
 */
public final class Admin {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TenantStore tenants;
    private final ApiKeyStore keys;
    private final InstanceStore instances;
    private final Pepper pepper;
    private final Clock clock;

    public Admin(AwsClients aws, String tableName, String pepperSecretId, Clock clock) {
        this.tenants = new TenantStore(aws.dynamo(), tableName, clock);
        this.keys = new ApiKeyStore(aws.dynamo(), tableName);
        this.instances = new InstanceStore(aws.dynamo(), tableName, clock);
        this.pepper = new Pepper(aws.secrets(), pepperSecretId);
        this.clock = clock;
    }

    public TenantStore.Tenant createTenant(String name) {
        if (name == null || name.isBlank() || name.length() > 200) {
            throw new AdminException("a tenant name is 1 to 200 characters");
        }
        return tenants.create(newTenantId(), name.strip());
    }

    /** The plaintext key exists only in the returned value: it is shown once and never stored. */
    public ApiKeys.NewKey createKey(String tenantId) {
        ApiKeys.NewKey key = ApiKeys.generate();
        if (!keys.create(key.keyId(), tenantId, ApiKeys.digestHex(pepper.bytes(), key.plaintext()), clock.millis())) {
            throw new AdminException("no such tenant: " + tenantId);
        }
        return key;
    }

    public List<ApiKeyStore.StoredKey> listKeys(String tenantId) {
        if (tenants.find(tenantId).isEmpty()) {
            throw new AdminException("no such tenant: " + tenantId);
        }
        return keys.listForTenant(tenantId);
    }

    public ApiKeyStore.Revocation revokeKey(String keyId) {
        return keys.revoke(keyId, clock.millis());
    }

    public InstanceStore.Registration registerInstance(String instanceId, String tenantId) {
        if (!InstanceId.isValid(instanceId)) {
            throw new AdminException("an instance id is a UUID (8-4-4-4-12 hex)");
        }
        return instances.register(instanceId.toLowerCase(Locale.ROOT), tenantId);
    }

    public InstanceStore.Unregistration unregisterInstance(String instanceId) {
        if (!InstanceId.isValid(instanceId)) {
            throw new AdminException("an instance id is a UUID (8-4-4-4-12 hex)");
        }
        return instances.unregister(instanceId.toLowerCase(Locale.ROOT));
    }

    private static String newTenantId() {
        char[] alphabet = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
        StringBuilder sb = new StringBuilder("tn_");
        for (int i = 0; i < 16; i++) {
            sb.append(alphabet[RANDOM.nextInt(alphabet.length)]);
        }
        return sb.toString();
    }

    public static class AdminException extends RuntimeException {
        public AdminException(String message) {
            super(message, null, false, false);
        }
    }
}
