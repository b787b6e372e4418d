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

    public InstanceRecord requireOwned(Caller caller, String instanceId) {
        return requireOwned(caller, instanceId, Optional.empty());
    }

    /**
     * As {@link #requireOwned(Caller, String)}, trusting {@code seen} (the instance item a read of
     * the caller's already brought) when it is the caller's; otherwise the instance is read.
     */
    public InstanceRecord requireOwned(Caller caller, String instanceId, Optional<InstanceRecord> seen) {
        return seen.filter(i -> owns(caller, i))
                .or(() -> instances.find(instanceId).filter(i -> owns(caller, i)))
                .orElseThrow(ApiException::instanceNotFound);
    }

    private static boolean owns(Caller caller, InstanceRecord instance) {
        return caller.tenantId().equals(instance.tenantId());
    }
}
