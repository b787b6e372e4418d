package dev.hydracore.voice.core.auth;

import dev.hydracore.voice.core.http.ApiException;
import dev.hydracore.voice.core.store.InstanceRecord;
import dev.hydracore.voice.core.store.InstanceStore;
import java.util.Optional;

/**
 * An instance is visible only to the tenant it is registered to. Another tenant's instance and a
 * missing one give the same 404, so a key can't probe other tenants.
 */
public final class Tenancy {
    private final InstanceStore instances;

    public Tenancy(InstanceStore instances) {
        this.instances = instances;
    }

    public InstanceRecord requireOwned(Principal principal, String instanceId) {
        return requireOwned(principal, instanceId, Optional.empty());
    }

    /**
     * As {@link #requireOwned(Principal, String)}, trusting {@code seen} (the instance item a read of
     * the caller's already brought) when it is the caller's; otherwise the instance is read.
     */
    public InstanceRecord requireOwned(Principal principal, String instanceId, Optional<InstanceRecord> seen) {
        return seen.filter(i -> owns(principal, i))
                .or(() -> instances.find(instanceId).filter(i -> owns(principal, i)))
                .orElseThrow(ApiException::instanceNotFound);
    }

    private static boolean owns(Principal principal, InstanceRecord instance) {
        return principal.tenantId().equals(instance.tenantId());
    }
}
