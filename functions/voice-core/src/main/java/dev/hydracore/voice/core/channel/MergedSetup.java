package dev.hydracore.voice.core.channel;

import dev.hydracore.voice.core.crypto.CredentialVault;
import dev.hydracore.voice.core.store.ChannelStore;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * A validated setup, ready to be sealed and stored: the provider, its clear-text settings, the
 * credentials the request sent, and the names of stored credentials it keeps (whose values only
 * the stored bundle holds). Holds secrets in memory: its {@code toString} names fields only.
 */
public final class MergedSetup {
    private final VoiceProvider provider;
    private final Map<VoiceField, String> settings;
    private final Map<VoiceField, String> newCredentials;
    private final Set<VoiceField> keptCredentials;
    private final OptionalLong limit;
    private final Optional<Boolean> wiring;

    MergedSetup(
            VoiceProvider provider,
            Map<VoiceField, String> settings,
            Map<VoiceField, String> newCredentials,
            Set<VoiceField> keptCredentials,
            OptionalLong limit,
            Optional<Boolean> wiring) {
        this.limit = limit;
        this.wiring = wiring;
        this.provider = provider;
        this.settings = Collections.unmodifiableMap(new EnumMap<>(settings));
        this.newCredentials =
                newCredentials.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(newCredentials));
        this.keptCredentials =
                keptCredentials.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(keptCredentials));
    }

    public VoiceProvider provider() {
        return provider;
    }

    /** A clear-text setting of the merged configuration (a number, the agent id, the account SID), or null. */
    public String setting(VoiceField field) {
        return settings.get(field);
    }

    /** {@code provider_wiring} as sent; empty keeps the stored choice. */
    public Optional<Boolean> wiringSent() {
        return wiring;
    }

    /** True when the request sent a new value for this credential. */
    public boolean sends(VoiceField credential) {
        return newCredentials.containsKey(credential);
    }

    /** True when some stored credential is kept: the stored bundle must be opened to carry it over. */
    public boolean keepsStoredCredentials() {
        return !keptCredentials.isEmpty();
    }

    /** Names of every credential the channel will have (sent or kept), never values. */
    public Set<String> credentialNames() {
        Set<String> names = new TreeSet<>();
        newCredentials.keySet().forEach(f -> names.add(f.wire()));
        keptCredentials.forEach(f -> names.add(f.wire()));
        return Collections.unmodifiableSet(names);
    }

    /**
     * The bundle to seal: the credentials sent, plus the kept ones taken from the stored bundle
     * (opened only when something is kept). A kept name missing from the opened bundle means the
     * stored item is inconsistent: treated like any unreadable bundle.
     */
    public Map<String, String> credentials(Supplier<Map<String, String>> storedBundle) {
        Map<String, String> out = new TreeMap<>();
        if (!keptCredentials.isEmpty()) {
            Map<String, String> stored = storedBundle.get();
            for (VoiceField f : keptCredentials) {
                String v = stored.get(f.wire());
                if (v == null || v.isEmpty()) {
                    throw new CredentialVault.UnreadableCredentialsException(null);
                }
                out.put(f.wire(), v);
            }
        }
        newCredentials.forEach((f, v) -> out.put(f.wire(), v));
        return out;
    }

    /**
     * What {@link ChannelStore#save} writes; settings the provider does not use are left out (removed).
     * The call limit is the channel's, not the provider's: kept unless sent, also across a provider change.
     */
    public ChannelStore.ChannelConfig toConfig(String webhookUrl, CredentialVault.Sealed sealed) {
        return toConfig(webhookUrl, sealed, null);
    }

    /** As {@link #toConfig(String, CredentialVault.Sealed)}, with the provider wiring to store (null keeps it). */
    public ChannelStore.ChannelConfig toConfig(String webhookUrl, CredentialVault.Sealed sealed, String wiringJson) {
        return new ChannelStore.ChannelConfig(
                provider.wire(),
                settings.get(provider.phoneField()),
                webhookUrl,
                settings.get(VoiceField.AGENT_ID),
                settings.get(VoiceField.TWILIO_ACCOUNT_SID),
                credentialNames(),
                sealed,
                limit,
                wiringJson);
    }

    @Override
    public String toString() {
        return "MergedSetup[provider=" + provider.wire() + ", settings=" + settings.keySet() + ", credentials="
                + credentialNames() + ", limit=" + limit
                + ", wiring=" + wiring + "]";
    }
}
