package dev.hydracore.voice.core;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A function's configuration, read once from its environment (template.yaml sets it). Tests and
 * the local runtime build one from a map, so nothing reads {@code System.getenv} behind their back.
 */
public final class Settings {
    public static final String TABLE_NAME = "TABLE_NAME";
    public static final String PEPPER_SECRET_ID = "PEPPER_SECRET_ID";
    public static final String KMS_KEY_ID = "KMS_KEY_ID";
    public static final String PUBLIC_BASE_URL = "PUBLIC_BASE_URL";
    public static final String PIPECAT_STREAM_URL = "PIPECAT_STREAM_URL";
    public static final String MAX_CALL_SECONDS = "MAX_CALL_SECONDS";
    public static final String ENDED_CALL_TTL_SECONDS = "ENDED_CALL_TTL_SECONDS";
    public static final String API_KEY_CACHE_SECONDS = "API_KEY_CACHE_SECONDS";
    public static final String DATA_KEY_CACHE_SECONDS = "DATA_KEY_CACHE_SECONDS";
    public static final String QUERY_PAGE_LIMIT = "QUERY_PAGE_LIMIT";
    public static final String AWS_REGION = "AWS_REGION";
    public static final String TWILIO_API_BASE_URL = "TWILIO_API_BASE_URL";
    public static final String RETELL_API_BASE_URL = "RETELL_API_BASE_URL";

    private final Map<String, String> values;

    private Settings(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    public static Settings of(Map<String, String> values) {
        return new Settings(values);
    }

    /** The process environment, as Lambda (or the local runtime's child JVM) provides it. */
    public static Settings fromEnvironment() {
        return new Settings(System.getenv());
    }

    public Settings with(String name, String value) {
        Map<String, String> copy = new HashMap<>(values);
        copy.put(name, value);
        return new Settings(copy);
    }

    public Optional<String> get(String name) {
        String v = values.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    public String require(String name) {
        return get(name).orElseThrow(() -> new IllegalStateException("missing setting " + name));
    }

    public long number(String name, long fallback) {
        return get(name).map(Long::parseLong).orElse(fallback);
    }

    public String tableName() {
        return require(TABLE_NAME);
    }

    public String region() {
        return get(AWS_REGION)
                .or(() -> Optional.ofNullable(System.getProperty("aws.region")))
                .orElse("us-east-1");
    }

    public Duration maxCallDuration() {
        return Duration.ofSeconds(number(MAX_CALL_SECONDS, 4 * 3600));
    }

    public Duration endedCallTtl() {
        return Duration.ofSeconds(number(ENDED_CALL_TTL_SECONDS, 24 * 3600));
    }

    /** How long a validated API key is trusted before it is looked up again: the revocation bound. */
    public Duration apiKeyCacheTtl() {
        return Duration.ofSeconds(number(API_KEY_CACHE_SECONDS, 30));
    }

    public Duration dataKeyCacheTtl() {
        return Duration.ofSeconds(number(DATA_KEY_CACHE_SECONDS, 300));
    }

    /** DynamoDB Query page size; unset means DynamoDB's own 1 MB pages. Tests lower it. */
    public Optional<Integer> queryPageLimit() {
        return get(QUERY_PAGE_LIMIT).map(Integer::parseInt);
    }

    public String webhookUrl(String instanceId) {
        String base = get(PUBLIC_BASE_URL).orElse("http://127.0.0.1:3000");
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return base + "/v1/webhooks/voice/" + instanceId;
    }
}
