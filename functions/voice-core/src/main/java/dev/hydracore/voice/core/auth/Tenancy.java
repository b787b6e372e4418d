package dev.hydracore.voice.core.auth;

import dev.hydracore.voice.core.http.ApiException;
import dev.hydracore.voice.core.http.HttpRequest;
import dev.hydracore.voice.core.http.InstanceId;
import dev.hydracore.voice.core.store.InstanceRecord;
import dev.hydracore.voice.core.store.InstanceStore;
import java.util.Locale;
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

    /**
     * The routes' common start: the caller's key ({@link Authenticator}: 401 first), the
     * {@code instance_id} path parameter (422), the instance, which must be the caller's tenant's
     * (404). On the environment's first request the instance is read alongside the key's lookup.
     */
    public Owned authorize(Authenticator authenticator, HttpRequest request) {
        String raw = request.pathParameter("instance_id");
        Authenticator.Authenticated<Optional<InstanceRecord>> caller = authenticator.authenticate(
                request, InstanceId.isValid(raw) ? () -> instances.find(raw.toLowerCase(Locale.ROOT)) : null);
        String instanceId = InstanceId.parse(raw);
        Principal principal = caller.principal();
        Optional<InstanceRecord> found = caller.alongside().orElseGet(() -> instances.find(instanceId));
        return new Owned(principal, owned(principal, found));
    }

    public InstanceRecord requireOwned(Principal principal, String instanceId) {
        return owned(principal, instances.find(instanceId));
    }

    /** The instance when it exists and is the caller's tenant's; 404 either way otherwise. */
    private static InstanceRecord owned(Principal principal, Optional<InstanceRecord> found) {
        return found.filter(i -> owns(principal, i)).orElseThrow(ApiException::instanceNotFound);
    }

    private static boolean owns(Principal principal, InstanceRecord instance) {
        return principal.tenantId().equals(instance.tenantId());
    }

    /** An authenticated caller and its tenant's instance. */
    public record Owned(Principal principal, InstanceRecord instance) {}
}
