package dev.hydracore.voice.core.store;

import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The single-table layout: every key and attribute name in one place, and the codec helpers for them. See the README's data
 * section for the access patterns behind it.
 *
 * <pre>
 * pk                 sk               what
 * TENANT#{tid}       TENANT           tenant (name, created_at)
 * KEY#{hmac hex}     KEY              API key (key_id, tenant_id, revoked_at?); gsi1 = TENANT#{tid} / KEY#{key_id}
 * KEYID#{key_id}     KEYID            pointer from key id to its hash item (for revoke)
 * INSTANCE#{iid}     INSTANCE         instance registration (tenant_id) + voice channel + active_calls counter;
 *                                     gsi1 = TENANT#{tid} / INSTANCE#{iid}; in LSI by_active_since at 0
 * INSTANCE#{iid}     CALL#{call_id}   call record; while active also in LSI by_active_since and GSI by_sweep
 * INSTANCE#{iid}     CALL#{call_id}#TURN#{event_id}
 *                                     marker of a counted bot turn event (generation, expires_at), so a
 *                                     redelivered call.turn never counts twice; removed with the call records
 * IDEMPOTENCY#{hmac} IDEMPOTENCY     a Setup request's Idempotency-Key (HMAC of tenant id and key): the request's
 *                                     fingerprint, IN_PROGRESS or COMPLETED with the answer to replay; expires_at
 * INSTANCE#{iid}     CALL##ADMISSION#{uuid}
 *                                     a Retell call admitted at call_inbound (generation) that no call_started
 *                                     has claimed yet: counted in active_calls; in GSI by_sweep (ADMISSION /
 *                                     release time) so the sweeper releases it; removed with the call records
 * INSTANCE#{iid}     CALL##RELEASED#{uuid}
 *                                     receipt of the sweeper's release of that admission (write_token): lets a
 *                                     retry whose first answer was lost recognise its own release; deleted
 *                                     right after, expires_at as the backstop; removed with the call records
 * PURGE              INSTANCE#{iid}   purge job a teardown queued (queued_at): the sweeper deletes the
 *                                     instance's dead-generation call items, then the job
 * </pre>
 */
public final class TableLayout {
    public static final String PK = "pk";
    public static final String SK = "sk";
    public static final String GSI1_PK = "gsi1pk";
    public static final String GSI1_SK = "gsi1sk";
    /** GSI over tenants' keys and instances. */
    public static final String GSI_BY_TENANT = "by_tenant";
    /** Sparse LSI: only active calls carry {@link #ACTIVE_SINCE}, so a query reads active calls only. */
    public static final String LSI_ACTIVE = "by_active_since";

    public static final String ACTIVE_SINCE = "active_since";
    /**
     * The instance item's {@link #ACTIVE_SINCE}: 0 sorts it before every call, so the one index
     * query of List Active Calls also returns the registration it checks tenancy against.
     */
    public static final long INSTANCE_ACTIVE_SINCE = 0;

    public static final String INSTANCE_SORT_KEY = "INSTANCE";
    /** Sparse GSI for the sweeper: active calls by start time, in a few shards. */
    public static final String GSI_SWEEP = "by_sweep";

    public static final String SWEEP_PK = "sweep_pk";
    public static final String SWEEP_SK = "sweep_sk";
    /** TTL attribute (epoch seconds). DynamoDB deletes lazily: readers filter expired items themselves. */
    public static final String EXPIRES_AT = "expires_at";

    public static final String TENANT_ID = "tenant_id";
    public static final String NAME = "name";
    public static final String CREATED_AT = "created_at";
    public static final String KEY_ID = "key_id";
    public static final String DIGEST = "digest";
    public static final String REVOKED_AT = "revoked_at";
    public static final String INSTANCE_ID = "instance_id";
    public static final String REGISTERED_AT = "registered_at";

    // Channel attributes on the instance item.
    public static final String PROVIDER = "provider";
    public static final String PHONE_NUMBER = "phone_number";
    public static final String WEBHOOK_URL = "webhook_url";
    public static final String GENERATION = "generation";
    public static final String ACTIVE_CALLS = "active_calls";
    public static final String AGENT_ID = "agent_id";
    public static final String TWILIO_ACCOUNT_SID = "twilio_account_sid";
    /** KMS-encrypted data key (CiphertextBlob of GenerateDataKey). */
    public static final String DATA_KEY = "data_key";
    /** AES-256-GCM sealed credential bundle: iv || ciphertext+tag. */
    public static final String SEALED_CREDENTIALS = "sealed_credentials";
    /** Names (never values) of the credentials that are configured. */
    public static final String CREDENTIAL_NAMES = "credential_names";

    public static final String CONFIGURED_AT = "configured_at";
    public static final String UPDATED_AT = "updated_at";
    /** The channel's call limit (absent: unlimited); admission is conditional on {@code active_calls < max_concurrent_calls}. */
    public static final String MAX_CONCURRENT_CALLS = "max_concurrent_calls";
    /** What the channel changed at its provider and what was there before (JSON, no secret): provider.Wiring. */
    public static final String PROVIDER_WIRING = "provider_wiring";

    // Call record attributes.
    public static final String CALL_ID = "call_id";
    public static final String STATE = "state";
    public static final String CALLER_PHONE = "caller";
    public static final String TURNS = "turns";
    public static final String STARTED_AT = "started_at";
    public static final String ENDED_AT = "ended_at";
    public static final String VERSION = "version";

    public static final String TENANT_PREFIX = "TENANT#";
    public static final String IDEMPOTENCY_PREFIX = "IDEMPOTENCY#";
    public static final String KEY_PREFIX = "KEY#";
    public static final String KEY_ID_PREFIX = "KEYID#";
    public static final String INSTANCE_PREFIX = "INSTANCE#";
    public static final String CALL_PREFIX = "CALL#";
    public static final String TURN_MARKER_INFIX = "#TURN#";
    /** Under the call prefix (so teardown's purge removes admissions too); no call id is empty, so no call key collides. */
    public static final String ADMISSION_PREFIX = CALL_PREFIX + "#ADMISSION#";
    /** Under the call prefix too; the receipt a release leaves so that its retry recognises its own commit. */
    public static final String ADMISSION_RELEASE_PREFIX = CALL_PREFIX + "#RELEASED#";
    /** The sweep index's partition of admissions; their sweep key is the time they are released if unclaimed. */
    public static final String ADMISSION_SWEEP_PARTITION = "ADMISSION";

    /** The one partition of purge jobs: teardowns are rare, and the sweeper reads them with one Query. */
    public static final String PURGE_PARTITION = "PURGE";

    public static final String QUEUED_AT = "queued_at";

    private TableLayout() {}

    public static Map<String, AttributeValue> purgeJobKey(String instanceId) {
        return key(PURGE_PARTITION, INSTANCE_PREFIX + instanceId);
    }

    public static Map<String, AttributeValue> tenantKey(String tenantId) {
        return key(TENANT_PREFIX + tenantId, "TENANT");
    }

    public static Map<String, AttributeValue> apiKeyKey(String digestHex) {
        return key(KEY_PREFIX + digestHex, "KEY");
    }

    public static Map<String, AttributeValue> keyIdKey(String keyId) {
        return key(KEY_ID_PREFIX + keyId, "KEYID");
    }

    public static Map<String, AttributeValue> instanceKey(String instanceId) {
        return key(INSTANCE_PREFIX + instanceId, INSTANCE_SORT_KEY);
    }

    public static Map<String, AttributeValue> callKey(String instanceId, String callId) {
        return key(INSTANCE_PREFIX + instanceId, CALL_PREFIX + callId);
    }

    /** Lives under the call's own prefix, so whatever deletes an instance's CALL# items deletes it too. */
    public static Map<String, AttributeValue> turnMarkerKey(String instanceId, String callId, String turnEventId) {
        return key(INSTANCE_PREFIX + instanceId, CALL_PREFIX + callId + TURN_MARKER_INFIX + turnEventId);
    }

    public static Map<String, AttributeValue> idempotencyKey(String digestHex) {
        return key(IDEMPOTENCY_PREFIX + digestHex, "IDEMPOTENCY");
    }

    public static Map<String, AttributeValue> admissionKey(String instanceId, String admissionId) {
        return key(INSTANCE_PREFIX + instanceId, ADMISSION_PREFIX + admissionId);
    }

    public static Map<String, AttributeValue> admissionReleaseKey(String instanceId, String admissionId) {
        return key(INSTANCE_PREFIX + instanceId, ADMISSION_RELEASE_PREFIX + admissionId);
    }

    public static Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of(PK, s(pk), SK, s(sk));
    }

    public static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    public static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }

    public static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    public static long num(Map<String, AttributeValue> item, String name, long fallback) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? fallback : Long.parseLong(v.n());
    }
}
