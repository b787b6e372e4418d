package dev.hydracore.voice.core.http;

import dev.hydracore.voice.core.Log;
import dev.hydracore.voice.core.auth.Pepper;
import dev.hydracore.voice.core.store.IdempotencyStore;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code Idempotency-Key} header of Setup: a retry with the same key and the same request
 * within {@link #RETENTION} gets the first answer again (status and body) and changes nothing.
 *
 * <ul>
 *   <li>Keys are per tenant and stored only as HMAC-SHA-256(pepper, tenant id, key); the request
 *       (instance id and body bytes) only as an HMAC fingerprint, as the body holds credentials.</li>
 *   <li>Only a 200 is stored (as Powertools does: successful results only); any other answer, or
 *       an exception (a 503), releases the key, so a failed first request never poisons it.</li>
 *   <li>A retry while the first request runs waits for its answer (polling, at most {@link #WAIT}),
 *       then gets 409; it never runs the request a second time. A request that died holding the
 *       key frees it after {@link #LEASE} (longer than the function's timeout).</li>
 *   <li>The same key with another request is 422 at {@code ["header","idempotency-key"]}.</li>
 * </ul>
 */
public final class Idempotency {
    public static final String HEADER = "idempotency-key";
    public static final int MAX_CHARS = 255;
    public static final Duration RETENTION = Duration.ofHours(24);
    static final Duration LEASE = Duration.ofSeconds(30);
    static final Duration WAIT = Duration.ofSeconds(5);
    static final long POLL_MILLIS = 100;
    /** Printable ASCII, as the header's schema says. */
    public static final Pattern VALID = Pattern.compile("[\\x20-\\x7E]{1,255}");

    static final String TOO_LONG = "String should have at most " + MAX_CHARS + " characters";
    static final String NOT_PRINTABLE = "String should match pattern '^[\\x20-\\x7E]{1,255}$'";
    public static final String REUSED = "Value error, this Idempotency-Key was already used with a different request";
    public static final String STILL_RUNNING = "A request with this Idempotency-Key is still in progress; retry later";
    /** On a replayed answer, so a client can tell (as Stripe's API does). */
    public static final String REPLAYED_HEADER = "idempotent-replayed";

    private final IdempotencyStore store;
    private final Pepper pepper;

    public Idempotency(IdempotencyStore store, Pepper pepper) {
        this.store = store;
        this.pepper = pepper;
    }

    /** The header's value, if sent. */
    public static Optional<String> key(HttpRequest request) {
        return request.header(HEADER);
    }

    /** What is wrong with the sent header, if anything (never quoting it). */
    public static Optional<ErrorDetail> problem(HttpRequest request) {
        return key(request).flatMap(k -> {
            if (k.length() > MAX_CHARS) {
                return Optional.of(ErrorDetail.of(TOO_LONG, "string_too_long", "header", HEADER));
            }
            return VALID.matcher(k).matches()
                    ? Optional.empty()
                    : Optional.of(ErrorDetail.of(NOT_PRINTABLE, "string_pattern_mismatch", "header", HEADER));
        });
    }

    /**
     * Runs {@code first} once for this tenant's key and request, or answers what the first run
     * answered. {@code scope} and {@code body} make up the request (a different one is 422).
     */
    public HttpResponse run(String tenantId, String key, String scope, byte[] body, Supplier<HttpResponse> first) {
        byte[] secret = pepper.bytes();
        String digest = hmacHex(secret, "idempotency-key\n" + tenantId + "\n", key.getBytes(StandardCharsets.US_ASCII));
        String fingerprint = hmacHex(secret, "setup-request\n" + scope + "\n", body);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Optional<IdempotencyStore.Entry> seen = store.find(digest);
            if (seen.isPresent()) {
                IdempotencyStore.Entry e = seen.get();
                if (!MessageDigest.isEqual(
                        fingerprint.getBytes(StandardCharsets.US_ASCII),
                        String.valueOf(e.fingerprint()).getBytes(StandardCharsets.US_ASCII))) {
                    throw new ValidationException(ErrorDetail.of(REUSED, "value_error", "header", HEADER));
                }
                if (e.completed()
                        && e.responseStatus().isPresent()
                        && e.responseBody().isPresent()) {
                    return HttpResponse.json(
                                    e.responseStatus().get(), e.responseBody().get())
                            .withHeader(REPLAYED_HEADER, "true");
                }
                if (System.nanoTime() >= deadline) {
                    throw new ApiException(409, STILL_RUNNING);
                }
                pause();
                continue;
            }
            String token = UUID.randomUUID().toString();
            if (!store.begin(digest, fingerprint, token, RETENTION, LEASE)) {
                continue; // another request claimed it first: read what it holds
            }
            HttpResponse answer;
            try {
                answer = first.get();
            } catch (RuntimeException failed) {
                releaseQuietly(digest, token);
                throw failed;
            }
            if (answer.status() == 200) {
                try {
                    store.complete(digest, token, answer.status(), answer.body());
                } catch (RuntimeException e) {
                    // The setup itself is done: answer it. The key frees itself when its lease ends.
                    Log.warn(
                            "idempotency record not completed",
                            "error",
                            e.getClass().getSimpleName());
                }
            } else {
                releaseQuietly(digest, token);
            }
            return answer;
        }
    }

    private void releaseQuietly(String digest, String token) {
        try {
            store.release(digest, token);
        } catch (RuntimeException e) {
            Log.warn(
                    "idempotency key not released; it frees itself when its lease ends",
                    "error",
                    e.getClass().getSimpleName());
        }
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(409, STILL_RUNNING);
        }
    }

    static String hmacHex(byte[] secret, String prefix, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(prefix.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(data));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
