package dev.hydracore.voice.bench;

import dev.hydracore.voice.core.crypto.CredentialVault;
import dev.hydracore.voice.core.store.ChannelRecord;
import dev.hydracore.voice.core.store.ChannelStore;
import dev.hydracore.voice.core.store.InstanceStore;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The demo instance's voice channel during a bench: a Retell channel with a key only the bench
 * knows, put back (as Setup stores it: sealed by {@link CredentialVault}, saved by
 * {@link ChannelStore}) before every measured run, so Teardown removes a real channel and the
 * webhook verifies, decrypts and records a real event instead of answering 404.
 */
final class BenchChannel {
    private final InstanceStore instances;
    private final ChannelStore channels;
    private final CredentialVault vault;
    private final String instanceId;
    private final String tenantId;
    private final String webhookUrl;
    private final String retellKey = "bench_" + UUID.randomUUID();

    BenchChannel(
            InstanceStore instances,
            ChannelStore channels,
            CredentialVault vault,
            String instanceId,
            String tenantId,
            String webhookUrl) {
        this.instances = instances;
        this.channels = channels;
        this.vault = vault;
        this.instanceId = instanceId;
        this.tenantId = tenantId;
        this.webhookUrl = webhookUrl;
    }

    /** The Retell key webhook samples are signed with. */
    String retellKey() {
        return retellKey;
    }

    /** Configures the channel with the bench's credentials, replacing whatever a run left. */
    void reset() {
        Optional<String> generation =
                instances.find(instanceId).flatMap(i -> i.channel()).map(ChannelRecord::generation);
        CredentialVault.Sealed sealed = vault.seal(instanceId, Map.of("api_key", retellKey));
        channels.save(
                instanceId,
                tenantId,
                new ChannelStore.ChannelConfig(
                        "retell", "+14155550100", webhookUrl, "agent_demo", null, Set.of("api_key"), sealed),
                generation);
    }

    static Duration cacheTtl() {
        return Duration.ofMinutes(5);
    }

    @Override
    public String toString() {
        return "BenchChannel[" + instanceId + "]";
    }
}
