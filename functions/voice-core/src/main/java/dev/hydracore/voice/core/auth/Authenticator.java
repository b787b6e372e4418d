package dev.hydracore.voice.core.auth;

import dev.hydracore.voice.core.Invocation;
import dev.hydracore.voice.core.Overlap;
import dev.hydracore.voice.core.http.ApiException;
import dev.hydracore.voice.core.http.HttpRequest;
import dev.hydracore.voice.core.store.ApiKeyStore;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * API-key authentication: {@code Authorization: Bearer <key>} or {@code X-Api-Key: <key>} (both
 * allowed if they agree). A key that was found valid is trusted for at most the configured cache
 * TTL (default 30 s): that is the revocation bound. Unknown keys are not cached.
 */
public final class Authenticator {
    private static final int MAX_CACHED_KEYS = 10_000;

    private final ApiKeyStore keys;
    private final Pepper pepper;
    private final long ttlNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final AtomicBoolean firstLookup = new AtomicBoolean(true);

    public Authenticator(ApiKeyStore keys, Pepper pepper, Duration cacheTtl) {
        this(keys, pepper, cacheTtl, System::nanoTime);
    }

    public Authenticator(ApiKeyStore keys, Pepper pepper, Duration cacheTtl, LongSupplier nanoTime) {
        this.keys = keys;
        this.pepper = pepper;
        this.ttlNanos = cacheTtl.toNanos();
        this.nanoTime = nanoTime;
    }

    public Principal authenticate(HttpRequest request) {
        return authenticate(request, null).principal();
    }

    /**
     * As {@link #authenticate(HttpRequest)}; on the environment's first key lookup (a cold start, or
     * the first request after a SnapStart restore) {@code read}, a read the route needs next, runs
     * at the same time as the pepper fetch and the key lookup, so that request waits for one round
     * of AWS requests instead of three. Only then: a read started before the key is known to be
     * valid is one an unauthenticated caller could make us do, and once per environment bounds it.
     * {@code read} null: nothing alongside. The result's {@code alongside} is empty when it did not run.
     */
    public <T> Authenticated<T> authenticate(HttpRequest request, Supplier<T> read) {
        String key = presentedKey(request);
        if (!ApiKeys.wellFormed(key)) {
            throw ApiException.invalidApiKey();
        }
        long now = nanoTime.getAsLong();
        String digest = pepper.loaded() ? ApiKeys.digestHex(pepper.bytes(), key) : null;
        if (digest != null) {
            Cached hit = cache.get(digest);
            if (hit != null && now - hit.expiresAtNanos() < 0) {
                Invocation.current().tenant(hit.principal().tenantId());
                return new Authenticated<>(hit.principal(), Optional.empty());
            }
        }
        // The key's record is found by its public key id, so the lookup need not wait for the pepper.
        Overlap<byte[]> fetch = digest == null ? Overlap.start("pepper", pepper::bytes) : null;
        // Priming takes this path too, without using up the environment's first request.
        boolean overlap = read != null && (Invocation.current().priming() || firstLookup.getAndSet(false));
        Overlap<T> alongside = overlap ? Overlap.start("read", read) : null;
        Optional<ApiKeyStore.StoredKey> stored = keys.findByKeyId(ApiKeys.keyId(key));
        if (digest == null) {
            digest = ApiKeys.digestHex(fetch.join(), key);
        }
        if (stored.isEmpty()
                || stored.get().revoked()
                || !ApiKeys.constantTimeEquals(stored.get().digestHex(), digest)) {
            cache.remove(digest);
            throw ApiException.invalidApiKey();
        }
        Principal principal =
                new Principal(stored.get().tenantId(), stored.get().keyId());
        if (cache.size() >= MAX_CACHED_KEYS) {
            cache.clear();
        }
        cache.put(digest, new Cached(principal, now + ttlNanos));
        Invocation.current().tenant(principal.tenantId());
        return new Authenticated<>(principal, alongside == null ? Optional.empty() : Optional.of(alongside.join()));
    }

    /** Forgets every cached key and the pepper (SnapStart: nothing secret may sit in a snapshot). */
    public void clearSecrets() {
        cache.clear();
        pepper.clear();
        firstLookup.set(true);
    }

    /** How many validated keys are cached now. */
    public int cachedKeys() {
        return cache.size();
    }

    public Pepper pepper() {
        return pepper;
    }

    /** The key the request presents, or 401 Not authenticated when it presents none. */
    static String presentedKey(HttpRequest request) {
        String bearer =
                request.header("authorization").map(Authenticator::bearerToken).orElse(null);
        String apiKey = request.header("x-api-key")
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .orElse(null);
        if (bearer == null && apiKey == null) {
            throw ApiException.notAuthenticated();
        }
        if (bearer != null && apiKey != null && !ApiKeys.constantTimeEquals(bearer, apiKey)) {
            throw ApiException.invalidApiKey();
        }
        return bearer != null ? bearer : apiKey;
    }

    private static String bearerToken(String header) {
        String h = header.trim();
        int space = h.indexOf(' ');
        if (space < 0 || !h.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
            return null;
        }
        String token = h.substring(space + 1).trim();
        return token.isEmpty() ? null : token;
    }

    /** Who the key belongs to, and the result of the read done alongside its lookup (when it ran). */
    public record Authenticated<T>(Principal principal, Optional<T> alongside) {}

    private record Cached(Principal principal, long expiresAtNanos) {}
}
