package dev.hydracore.voice.core.crypto;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.hydracore.voice.core.JsonStreams;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;

/**
 * Envelope encryption of an instance's provider credentials. Each seal asks KMS for a fresh
 * AES-256 data key bound to the instance ({@code EncryptionContext {"instance_id": id}}), encrypts
 * the credential bundle with AES-256-GCM in the JDK (the instance id is the GCM associated data
 * too), and returns only ciphertexts. A bundle copied onto another instance fails twice over: KMS
 * refuses the context, and GCM refuses the associated data.
 *
 * <p>Plaintext data keys are cached in memory (bounded count, bounded age) so the webhook path
 * needs no KMS call while warm. Nothing here logs or puts a value in an exception message.
 */
public final class CredentialVault {
    public static final String CONTEXT_KEY = "instance_id";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final int MAX_CACHED_KEYS = 1_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Supplier<KmsClient> kms;
    private final String keyId;
    private final long ttlNanos;
    private final LongSupplier nanoTime;
    private final Map<String, CachedKey> cache = new ConcurrentHashMap<>();

    public CredentialVault(KmsClient kms, String keyId, Duration cacheTtl) {
        this(kms, keyId, cacheTtl, System::nanoTime);
    }

    public CredentialVault(KmsClient kms, String keyId, Duration cacheTtl, LongSupplier nanoTime) {
        this(() -> kms, keyId, cacheTtl, nanoTime);
    }

    /** {@code kms}: asked for the client at each use, so a function can build it lazily (or ahead, elsewhere). */
    public CredentialVault(Supplier<KmsClient> kms, String keyId, Duration cacheTtl) {
        this(kms, keyId, cacheTtl, System::nanoTime);
    }

    private CredentialVault(Supplier<KmsClient> kms, String keyId, Duration cacheTtl, LongSupplier nanoTime) {
        this.kms = kms;
        this.keyId = keyId;
        this.ttlNanos = cacheTtl.toNanos();
        this.nanoTime = nanoTime;
    }

    /** One KMS GenerateDataKey, then local AES-GCM. */
    public Sealed seal(String instanceId, Map<String, String> credentials) {
        GenerateDataKeyResponse dk = kms.get()
                .generateDataKey(r ->
                        r.keyId(keyId).keySpec(DataKeySpec.AES_256).encryptionContext(Map.of(CONTEXT_KEY, instanceId)));
        byte[] raw = dk.plaintext().asByteArray();
        SecretKey key = new SecretKeySpec(raw, "AES");
        Arrays.fill(raw, (byte) 0);
        byte[] encryptedDataKey = dk.ciphertextBlob().asByteArray();
        remember(instanceId, encryptedDataKey, key);
        byte[] plain = encode(credentials);
        try {
            byte[] iv = new byte[IV_BYTES];
            RANDOM.nextBytes(iv);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            c.updateAAD(aad(instanceId));
            byte[] ct = c.doFinal(plain);
            byte[] out = new byte[IV_BYTES + ct.length];
            System.arraycopy(iv, 0, out, 0, IV_BYTES);
            System.arraycopy(ct, 0, out, IV_BYTES, ct.length);
            return new Sealed(encryptedDataKey, out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** The credentials, decrypted; a KMS Decrypt only when the data key is not cached. */
    public Map<String, String> open(String instanceId, Sealed sealed) {
        if (sealed.encryptedDataKey().length == 0 || sealed.ciphertext().length <= IV_BYTES) {
            return Map.of();
        }
        SecretKey key = dataKey(instanceId, sealed.encryptedDataKey());
        byte[] plain = null;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed.ciphertext(), 0, IV_BYTES));
            c.updateAAD(aad(instanceId));
            plain = c.doFinal(sealed.ciphertext(), IV_BYTES, sealed.ciphertext().length - IV_BYTES);
            return decode(plain);
        } catch (GeneralSecurityException | IOException e) {
            throw new UnreadableCredentialsException(e);
        } finally {
            if (plain != null) {
                Arrays.fill(plain, (byte) 0);
            }
        }
    }

    private SecretKey dataKey(String instanceId, byte[] encryptedDataKey) {
        String id = cacheId(instanceId, encryptedDataKey);
        long now = nanoTime.getAsLong();
        CachedKey hit = cache.get(id);
        if (hit != null && now - hit.expiresAtNanos() < 0) {
            return hit.key();
        }
        byte[] raw;
        try {
            raw = kms.get()
                    .decrypt(r -> r.keyId(keyId)
                            .ciphertextBlob(SdkBytes.fromByteArray(encryptedDataKey))
                            .encryptionContext(Map.of(CONTEXT_KEY, instanceId)))
                    .plaintext()
                    .asByteArray();
        } catch (software.amazon.awssdk.services.kms.model.InvalidCiphertextException
                | software.amazon.awssdk.services.kms.model.IncorrectKeyException e) {
            throw new UnreadableCredentialsException(e);
        }
        SecretKey key = new SecretKeySpec(raw, "AES");
        Arrays.fill(raw, (byte) 0);
        remember(instanceId, encryptedDataKey, key);
        return key;
    }

    private void remember(String instanceId, byte[] encryptedDataKey, SecretKey key) {
        if (cache.size() >= MAX_CACHED_KEYS) {
            cache.clear();
        }
        cache.put(cacheId(instanceId, encryptedDataKey), new CachedKey(key, nanoTime.getAsLong() + ttlNanos));
    }

    /** Forgets every cached data key (SnapStart: nothing secret may sit in a snapshot). */
    public void forgetCachedKeys() {
        cache.clear();
    }

    /** How many data keys are cached now. */
    public int cachedKeys() {
        return cache.size();
    }

    private static String cacheId(String instanceId, byte[] encryptedDataKey) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(encryptedDataKey);
            return instanceId + ':' + HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] aad(String instanceId) {
        return ("hydracore-voice/credentials/" + instanceId).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] encode(Map<String, String> credentials) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JsonStreams.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, String> e : new TreeMap<>(credentials).entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode credentials", e);
        }
        return out.toByteArray();
    }

    private static Map<String, String> decode(byte[] plain) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (JsonParser p = JsonStreams.FACTORY.createParser(plain)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a credential bundle");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                out.put(name, p.getText());
            }
        }
        return Map.copyOf(out);
    }

    private record CachedKey(SecretKey key, long expiresAtNanos) {}

    /** What is stored: the KMS-encrypted data key and iv || AES-GCM ciphertext+tag. */
    public record Sealed(byte[] encryptedDataKey, byte[] ciphertext) {
        @Override
        public String toString() {
            return "Sealed[" + encryptedDataKey.length + " + " + ciphertext.length + " bytes]";
        }
    }

    /** A credential bundle could not be opened: tampered, moved to another instance, or wrong key. */
    public static final class UnreadableCredentialsException extends RuntimeException {
        public UnreadableCredentialsException(Throwable cause) {
            super("stored credentials cannot be decrypted for this instance", cause, false, false);
        }
    }
}
