package dev.hydracore.voice.core.store;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The identity of one write of ours, stored on the item it writes, so that after an answer lost
 * once the write committed (a timeout, a reset connection) the retry's refusal can be told apart:
 * a re-read that finds this token found our own write (done), any other state is someone else's.
 * DynamoDB offers an idempotency token only for transactions ({@code ClientRequestToken}, 10
 * minutes); a conditional PutItem, UpdateItem or DeleteItem has none, and even a transaction's
 * token stops helping once a retry is a new call. A transaction carries the same value as its
 * {@link #requestToken()}, reused by every retry of that same request (the SDK's and the
 * JDK's); a store's own loop that rebuilds the transaction from a fresh read takes a fresh token.
 */
public record WriteToken(String value) {
    /** The item attribute that holds the token of the write that last put or updated it. */
    public static final String ATTRIBUTE = "write_token";

    public static WriteToken fresh() {
        return new WriteToken(UUID.randomUUID().toString());
    }

    /** A copy of {@code item} carrying this token. */
    public Map<String, AttributeValue> on(Map<String, AttributeValue> item) {
        Map<String, AttributeValue> out = new HashMap<>(item);
        out.put(ATTRIBUTE, TableLayout.s(value));
        return out;
    }

    /** The stored item was last written by this token's write. */
    public boolean wrote(Map<String, AttributeValue> stored) {
        return stored != null && value.equals(TableLayout.str(stored, ATTRIBUTE));
    }

    /** As a transaction's ClientRequestToken (at most 36 characters: a UUID is). */
    public String requestToken() {
        return value;
    }
}
