package dev.hydracore.voice.core.auth;

import dev.hydracore.voice.core.http.ApiException;
import dev.hydracore.voice.core.store.InstanceRecord;
import dev.hydracore.voice.core.store.InstanceStore;

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
        return instances.find(instanceId)
                .filter(i -> caller.tenantId().equals(i.tenantId()))
                .orElseThrow(ApiException::instanceNotFound);
    }
}
