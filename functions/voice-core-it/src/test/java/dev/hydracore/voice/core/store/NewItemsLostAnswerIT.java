package dev.hydracore.voice.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.aws.AwsClients;
import dev.hydracore.voice.core.aws.RetryPolicy;
import dev.hydracore.voice.testkit.AwsProxy;
import dev.hydracore.voice.testkit.AwsProxy.Fault;
import dev.hydracore.voice.testkit.TestAws;
import java.time.Clock;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The create writes (NewItems: tenant must exist, items must be new) when their first answer is
 * lost after commit: the retry meets our own write and the outcome is the one of the first
 * attempt — the tenant created, the key stored or revoked, the instance registered — never
 * "exists already" or "already revoked".
 * Also: a key found by id carries its creation time.
 */
class NewItemsLostAnswerIT {
    static TestAws aws;
    static AwsProxy proxy;
    static DynamoDbClient viaProxy;
    static String table;

    @BeforeAll
    static void setUp() throws Exception {
        aws = TestAws.shared();
        proxy = new AwsProxy(aws.aws().endpoint());
        viaProxy =
                new AwsClients(aws.aws().region(), proxy.endpoint(), aws.aws().credentials(), RetryPolicy.API).dynamo();
        table = aws.resources().tableName();
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @Test
    void aTenantWhoseAnswerIsLostIsCreated() {
        String id = UUID.randomUUID().toString();
        proxy.next(AwsProxy.PUT_ITEM, Fault.DROP_ANSWER);
        new TenantStore(viaProxy, table, Clock.systemUTC()).create(id, "lost answer");
        assertTrue(
                new TenantStore(aws.dynamo(), table, Clock.systemUTC()).find(id).isPresent());
    }

    @Test
    void aKeyWhoseAnswerIsLostIsStoredOnceAndFoundWithItsCreationTime() {
        String tenant = aws.newCaller().tenantId();
        String keyId = "k" + UUID.randomUUID().toString().substring(0, 11);
        String digest = UUID.randomUUID().toString().replace("-", "");
        proxy.next(AwsProxy.TRANSACT_WRITE_ITEMS, Fault.DROP_ANSWER);
        assertTrue(new ApiKeyStore(viaProxy, table).create(keyId, tenant, digest, 1_764_000_000_000L));
        ApiKeyStore direct = new ApiKeyStore(aws.dynamo(), table);
        assertEquals(1_764_000_000_000L, direct.findByKeyId(keyId).orElseThrow().createdAtMillis());
        assertEquals(
                1,
                direct.listForTenant(tenant).stream()
                        .filter(k -> k.keyId().equals(keyId))
                        .count());
        assertFalse(
                direct.create("k" + UUID.randomUUID().toString().substring(0, 11), "no-such-tenant", digest + "x", 1));
    }

    @Test
    void aRevocationWhoseAnswerIsLostIsRevokedNotAlreadyRevoked() {
        String tenant = aws.newCaller().tenantId();
        String keyId = "k" + UUID.randomUUID().toString().substring(0, 11);
        ApiKeyStore direct = new ApiKeyStore(aws.dynamo(), table);
        assertTrue(direct.create(keyId, tenant, UUID.randomUUID().toString().replace("-", ""), 1));
        proxy.next(AwsProxy.TRANSACT_WRITE_ITEMS, Fault.DROP_ANSWER);
        assertEquals(ApiKeyStore.Revocation.REVOKED, new ApiKeyStore(viaProxy, table).revoke(keyId, 2));
        assertTrue(direct.findByKeyId(keyId).orElseThrow().revoked());
        assertEquals(ApiKeyStore.Revocation.ALREADY_REVOKED, direct.revoke(keyId, 3));
    }

    @Test
    void anInstanceWhoseRegistrationAnswerIsLostIsRegisteredNotAlreadyRegistered() {
        String tenant = aws.newCaller().tenantId();
        String iid = UUID.randomUUID().toString();
        proxy.next(AwsProxy.TRANSACT_WRITE_ITEMS, Fault.DROP_ANSWER);
        InstanceStore instances = new InstanceStore(viaProxy, table, Clock.systemUTC());
        assertEquals(InstanceStore.Registration.REGISTERED, instances.register(iid, tenant));
        assertEquals(InstanceStore.Registration.ALREADY_REGISTERED, instances.register(iid, tenant));
        assertEquals(
                InstanceStore.Registration.OWNED_BY_OTHER_TENANT,
                instances.register(iid, aws.newCaller().tenantId()));
        assertEquals(
                InstanceStore.Registration.NO_SUCH_TENANT,
                instances.register(UUID.randomUUID().toString(), "nobody"));
    }
}
