package dev.hydracore.voice.core.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A configured voice channel as stored on the instance item. Credentials appear only sealed
 * ({@code dataKey} is KMS ciphertext, {@code sealedCredentials} AES-GCM ciphertext) plus their
 * names; plaintext exists only in memory, inside the crypto package's callers.
 */
public record ChannelRecord(
        String provider,
        String phoneNumber,
        String webhookUrl,
        String generation,
        long activeCalls,
        String agentId,
        String twilioAccountSid,
        byte[] dataKey,
        byte[] sealedCredentials,
        Set<String> credentialNames,
        OptionalLong maxConcurrentCalls,
        String wiring) {

    /** A channel with nothing recorded of its provider wiring. */
    public ChannelRecord(
            String provider,
            String phoneNumber,
            String webhookUrl,
            String generation,
            long activeCalls,
            String agentId,
            String twilioAccountSid,
            byte[] dataKey,
            byte[] sealedCredentials,
            Set<String> credentialNames,
            OptionalLong maxConcurrentCalls) {
        this(
                provider,
                phoneNumber,
                webhookUrl,
                generation,
                activeCalls,
                agentId,
                twilioAccountSid,
                dataKey,
                sealedCredentials,
                credentialNames,
                maxConcurrentCalls,
                null);
    }

    /** The stored ciphertexts, as {@link dev.hydracore.voice.core.crypto.CredentialVault} opens them. */
    public dev.hydracore.voice.core.crypto.CredentialVault.Sealed sealed() {
        return new dev.hydracore.voice.core.crypto.CredentialVault.Sealed(dataKey, sealedCredentials);
    }

    @Override
    public String toString() {
        return "ChannelRecord[provider=" + provider + ", generation=" + generation + ", activeCalls=" + activeCalls
                + ", limit=" + maxConcurrentCalls + ", credentials=" + credentialNames + "]";
    }

    static Optional<ChannelRecord> fromItem(Map<String, AttributeValue> item) {
        String provider = TableLayout.str(item, TableLayout.PROVIDER);
        if (provider == null) {
            return Optional.empty();
        }
        AttributeValue names = item.get(TableLayout.CREDENTIAL_NAMES);
        List<String> nameList = names == null ? List.of() : names.ss();
        return Optional.of(new ChannelRecord(
                provider,
                TableLayout.str(item, TableLayout.PHONE_NUMBER),
                TableLayout.str(item, TableLayout.WEBHOOK_URL),
                TableLayout.str(item, TableLayout.GENERATION),
                Math.max(0, TableLayout.num(item, TableLayout.ACTIVE_CALLS, 0)),
                TableLayout.str(item, TableLayout.AGENT_ID),
                TableLayout.str(item, TableLayout.TWILIO_ACCOUNT_SID),
                bytes(item.get(TableLayout.DATA_KEY)),
                bytes(item.get(TableLayout.SEALED_CREDENTIALS)),
                Set.copyOf(new TreeSet<>(nameList)),
                item.containsKey(TableLayout.MAX_CONCURRENT_CALLS)
                        ? OptionalLong.of(TableLayout.num(item, TableLayout.MAX_CONCURRENT_CALLS, 0))
                        : OptionalLong.empty(),
                TableLayout.str(item, TableLayout.PROVIDER_WIRING)));
    }

    private static byte[] bytes(AttributeValue v) {
        if (v == null || v.b() == null) {
            return new byte[0];
        }
        SdkBytes b = v.b();
        return b.asByteArray();
    }
}
