package dev.hydracore.voice.core.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hydracore.voice.testkit.TestAws;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;

/**
 * Envelope encryption against the emulator's KMS: round trip, binding to the instance, no plaintext;
 * and KMS itself refusing a data key under another instance's encryption context (the one place that
 * denial comes from: every instance's requests run under one role, which IAM allows with any
 * instance_id; docs/deploy.md).
 */
class CredentialVaultIT {
    static final TestAws aws = TestAws.shared();

    CredentialVault vault() {
        return new CredentialVault(aws.clients().kms(), aws.resources().kmsKeyId(), Duration.ofMinutes(5));
    }

    @Test
    void roundTripThroughAFreshVaultUsesKms() {
        String iid = UUID.randomUUID().toString();
        Map<String, String> creds =
                Map.of("api_key", "key_" + UUID.randomUUID(), "webhook_secret", "s3cret-s3cret-s3cret");
        CredentialVault.Sealed sealed = vault().seal(iid, creds);
        String stored = new String(sealed.ciphertext(), StandardCharsets.ISO_8859_1)
                + Base64.getEncoder().encodeToString(sealed.ciphertext());
        creds.values().forEach(v -> assertFalse(stored.contains(v)));
        assertEquals(creds, vault().open(iid, sealed), "a vault with an empty cache decrypts through KMS");
    }

    @Test
    void ciphertextMovedToAnotherInstanceDoesNotDecrypt() {
        CredentialVault.Sealed sealed = vault().seal(UUID.randomUUID().toString(), Map.of("api_key", "abc"));
        String other = UUID.randomUUID().toString();
        assertThrows(CredentialVault.UnreadableCredentialsException.class, () -> vault().open(other, sealed));
    }

    @Test
    void kmsRefusesADataKeyUnderAnotherInstancesEncryptionContext() {
        KmsClient kms = aws.clients().kms();
        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString();
        GenerateDataKeyResponse key =
                kms.generateDataKey(r -> r.keyId(aws.resources().kmsKeyId())
                        .keySpec(DataKeySpec.AES_256)
                        .encryptionContext(Map.of("instance_id", a)));
        SdkBytes blob = key.ciphertextBlob();
        assertThrows(
                InvalidCiphertextException.class,
                () -> kms.decrypt(r -> r.ciphertextBlob(blob).encryptionContext(Map.of("instance_id", b))),
                "instance B's context opens A's data key");
        assertThrows(
                InvalidCiphertextException.class,
                () -> kms.decrypt(r -> r.ciphertextBlob(blob)),
                "no context opens A's data key");
        DecryptResponse opened = kms.decrypt(r -> r.ciphertextBlob(blob).encryptionContext(Map.of("instance_id", a)));
        assertArrayEquals(key.plaintext().asByteArray(), opened.plaintext().asByteArray());
    }

    @Test
    void tamperedCiphertextDoesNotDecrypt() {
        String iid = UUID.randomUUID().toString();
        CredentialVault v = vault();
        CredentialVault.Sealed sealed = v.seal(iid, Map.of("api_key", "abc"));
        byte[] ct = sealed.ciphertext().clone();
        ct[ct.length - 1] ^= 1;
        assertThrows(
                CredentialVault.UnreadableCredentialsException.class,
                () -> v.open(iid, new CredentialVault.Sealed(sealed.encryptedDataKey(), ct)));
        assertArrayEquals(sealed.ciphertext(), sealed.ciphertext().clone());
        assertFalse(sealed.toString().contains("abc"));
    }
}
