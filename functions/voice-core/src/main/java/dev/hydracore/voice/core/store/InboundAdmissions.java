package dev.hydracore.voice.core.store;

import dev.hydracore.voice.core.Deadline;
import dev.hydracore.voice.core.Settings;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * Retell's inbound-call webhook ({@code call_inbound}) comes before the call exists (no call id),
 * and is the one place Retell lets us decline. A channel with a {@code max_concurrent_calls}
 * admits the call there: one transaction puts an admission item (a fresh id, the generation) and
 * adds one to {@code active_calls}, conditional on the generation and {@code active_calls < limit}.
 * The id travels to Retell as call metadata and comes back on the call's events, where
 * {@link CallTransitions} claims it (the admission's count becomes the call record's). An
 * admission no event claims within {@link #CLAIM_WINDOW} is released by the sweeper (counter
 * decremented), so a call Retell never connected does not hold a place for long. The admission's id
 * is also its transaction's ClientRequestToken, and a retry that finds the admission written
 * (its first answer lost) admits with it rather than refusing or writing a second one.
 */
public final class InboundAdmissions {
    /** How long an admission waits for its call's first event before the sweeper releases it. */
    public static final Duration CLAIM_WINDOW = Duration.ofSeconds(60);

    /** How long a release's receipt is kept if its prompt delete failed (DynamoDB's TTL removes it). */
    static final Duration RECEIPT_LIFETIME = Duration.ofHours(1);

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;
    private final Optional<Integer> pageLimit;

    public InboundAdmissions(DynamoDbClient dynamo, Settings settings, Clock clock) {
        this.dynamo = dynamo;
        this.table = settings.tableName();
        this.clock = clock;
        this.pageLimit = settings.queryPageLimit();
    }

    /** Admits one inbound call on the channel {@code seen} read, or refuses it at the limit. */
    public Decision admit(String instanceId, ChannelRecord seen) {
        return admit(instanceId, seen, Deadline.none());
    }

    /**
     * As {@link #admit(String, ChannelRecord)}, within {@code deadline}: each call's timeout is at
     * most what is left, and no re-read or transaction starts once it has passed
     * ({@link OutOfTimeException}). An admission cut short that committed is one no answer named:
     * the sweeper releases it after {@link #CLAIM_WINDOW}.
     */
    public Decision admit(String instanceId, ChannelRecord seen, Deadline deadline) {
        ChannelRecord channel = seen;
        for (int attempt = 1; ; attempt++) {
            if (channel.maxConcurrentCalls().isEmpty()) {
                return Decision.admitted(null);
            }
            String id = UUID.randomUUID().toString();
            long releaseAt = clock.millis() + CLAIM_WINDOW.toMillis();
            Map<String, AttributeValue> item = new HashMap<>(TableLayout.admissionKey(instanceId, id));
            item.put(TableLayout.INSTANCE_ID, TableLayout.s(instanceId));
            item.put(TableLayout.GENERATION, TableLayout.s(channel.generation()));
            item.put(TableLayout.SWEEP_PK, TableLayout.s(TableLayout.ADMISSION_SWEEP_PARTITION));
            item.put(TableLayout.SWEEP_SK, TableLayout.n(releaseAt));
            long limit = channel.maxConcurrentCalls().getAsLong();
            String generation = channel.generation();
            try {
                dynamo.transactWriteItems(r -> r.clientRequestToken(id)
                        .overrideConfiguration(WithinDeadline.call(dynamo, deadline))
                        .transactItems(
                                TransactWriteItem.builder()
                                        .put(Put.builder()
                                                .tableName(table)
                                                .item(item)
                                                .conditionExpression("attribute_not_exists(pk)")
                                                .build())
                                        .build(),
                                TransactWriteItem.builder()
                                        .update(Update.builder()
                                                .tableName(table)
                                                .key(TableLayout.instanceKey(instanceId))
                                                .updateExpression("ADD #c :one")
                                                .conditionExpression("#g = :g AND #c < :max")
                                                .expressionAttributeNames(Map.of(
                                                        "#c", TableLayout.ACTIVE_CALLS, "#g", TableLayout.GENERATION))
                                                .expressionAttributeValues(Map.of(
                                                        ":one",
                                                        TableLayout.n(1),
                                                        ":g",
                                                        TableLayout.s(generation),
                                                        ":max",
                                                        TableLayout.n(limit)))
                                                .build())
                                        .build()));
                return Decision.admitted(id);
            } catch (TransactionCanceledException e) {
                if (exists(TableLayout.admissionKey(instanceId, id), deadline)) {
                    // Our admission committed and its answer was lost: the retry met our own write.
                    return Decision.admitted(id);
                }
                Optional<ChannelRecord> now =
                        currentChannel(instanceId, deadline).filter(c -> generation.equals(c.generation()));
                if (now.isEmpty()) {
                    return Decision.of(Kind.NO_CHANNEL);
                }
                if (CallTransitions.atLimit(now.get())) {
                    return Decision.of(Kind.REFUSED);
                }
                // A lost race with a call ending (or a limit raised): decide again on what is stored now.
                Backoff.CONTENTION.pauseOrGiveUp(attempt, deadline, new CallTransitions.ContentionException());
                channel = now.get();
            }
        }
    }

    /** Admissions whose claim window ended before {@code nowMillis} (the sweep index's ADMISSION partition, every page). */
    public List<AdmissionKey> unclaimedBefore(long nowMillis) {
        List<AdmissionKey> out = new ArrayList<>();
        Paging.forEachPage(
                dynamo,
                QueryRequest.builder()
                        .tableName(table)
                        .indexName(TableLayout.GSI_SWEEP)
                        .keyConditionExpression("#p = :p AND #s < :now")
                        .expressionAttributeNames(Map.of("#p", TableLayout.SWEEP_PK, "#s", TableLayout.SWEEP_SK))
                        .expressionAttributeValues(Map.of(
                                ":p",
                                TableLayout.s(TableLayout.ADMISSION_SWEEP_PARTITION),
                                ":now",
                                TableLayout.n(nowMillis))),
                pageLimit,
                page -> {
                    for (var item : page) {
                        String pk = TableLayout.str(item, TableLayout.PK);
                        String sk = TableLayout.str(item, TableLayout.SK);
                        if (pk != null
                                && sk != null
                                && pk.startsWith(TableLayout.INSTANCE_PREFIX)
                                && sk.startsWith(TableLayout.ADMISSION_PREFIX)) {
                            out.add(new AdmissionKey(
                                    pk.substring(TableLayout.INSTANCE_PREFIX.length()),
                                    sk.substring(TableLayout.ADMISSION_PREFIX.length())));
                        }
                    }
                });
        return out;
    }

    /**
     * Releases an unclaimed admission: deletes it and takes it off the counter in one transaction
     * (both conditional, so an event claiming it at the same moment wins or loses as a whole). An
     * admission of a generation that is gone was counted by no live counter: only deleted.
     * Returns false when there was nothing to release (claimed or released meanwhile). The same
     * transaction puts a receipt carrying its {@link WriteToken}: a retry whose first attempt
     * committed (its answer lost) finds the admission gone, reads the receipt, and answers true —
     * so the sweeper's tally counts the release once — where a claim or another run's release
     * leaves no receipt of ours. The receipt is deleted at once; {@code expires_at} is the backstop.
     */
    public boolean release(AdmissionKey key) {
        Map<String, AttributeValue> receiptKey = TableLayout.admissionReleaseKey(key.instanceId(), key.admissionId());
        for (int attempt = 1; ; attempt++) {
            Map<String, AttributeValue> admission = dynamo.getItem(g -> g.tableName(table)
                            .key(TableLayout.admissionKey(key.instanceId(), key.admissionId()))
                            .consistentRead(true))
                    .item();
            if (admission == null || admission.isEmpty()) {
                return false;
            }
            String generation = TableLayout.str(admission, TableLayout.GENERATION);
            boolean live = currentChannel(key.instanceId())
                    .filter(c -> c.generation().equals(generation))
                    .isPresent();
            List<TransactWriteItem> items = new ArrayList<>(2);
            items.add(TransactWriteItem.builder()
                    .delete(Delete.builder()
                            .tableName(table)
                            .key(TableLayout.admissionKey(key.instanceId(), key.admissionId()))
                            .conditionExpression("attribute_exists(pk)")
                            .build())
                    .build());
            if (live) {
                items.add(TransactWriteItem.builder()
                        .update(Update.builder()
                                .tableName(table)
                                .key(TableLayout.instanceKey(key.instanceId()))
                                .updateExpression("ADD #c :minus")
                                .conditionExpression("#g = :g")
                                .expressionAttributeNames(
                                        Map.of("#c", TableLayout.ACTIVE_CALLS, "#g", TableLayout.GENERATION))
                                .expressionAttributeValues(
                                        Map.of(":minus", TableLayout.n(-1), ":g", TableLayout.s(generation)))
                                .build())
                        .build());
            }
            WriteToken token = WriteToken.fresh();
            Map<String, AttributeValue> receipt = new HashMap<>(receiptKey);
            receipt.put(TableLayout.EXPIRES_AT, TableLayout.n(clock.millis() / 1000 + RECEIPT_LIFETIME.toSeconds()));
            items.add(TransactWriteItem.builder()
                    .put(Put.builder().tableName(table).item(token.on(receipt)).build())
                    .build());
            try {
                dynamo.transactWriteItems(
                        r -> r.clientRequestToken(token.requestToken()).transactItems(items));
                removeReceipt(receiptKey);
                return true;
            } catch (TransactionCanceledException e) {
                Map<String, AttributeValue> stored = dynamo.getItem(
                                g -> g.tableName(table).key(receiptKey).consistentRead(true))
                        .item();
                if (token.wrote(stored)) {
                    // Our release committed and its answer was lost: the retry met our own write.
                    removeReceipt(receiptKey);
                    return true;
                }
                Backoff.CONTENTION.pauseOrGiveUp(attempt, new CallTransitions.ContentionException());
            }
        }
    }

    private void removeReceipt(Map<String, AttributeValue> receiptKey) {
        try {
            dynamo.deleteItem(d -> d.tableName(table).key(receiptKey));
        } catch (SdkException e) {
            // The release stands; the receipt expires (TTL) or goes with the call records.
        }
    }

    private boolean exists(Map<String, AttributeValue> key, Deadline deadline) {
        Map<String, AttributeValue> item = dynamo.getItem(g -> g.tableName(table)
                        .key(key)
                        .consistentRead(true)
                        .overrideConfiguration(WithinDeadline.call(dynamo, deadline)))
                .item();
        return item != null && !item.isEmpty();
    }

    private Optional<ChannelRecord> currentChannel(String instanceId) {
        return currentChannel(instanceId, Deadline.none());
    }

    private Optional<ChannelRecord> currentChannel(String instanceId, Deadline deadline) {
        Map<String, AttributeValue> item = dynamo.getItem(g -> g.tableName(table)
                        .key(TableLayout.instanceKey(instanceId))
                        .consistentRead(true)
                        .overrideConfiguration(WithinDeadline.call(dynamo, deadline)))
                .item();
        return item == null || item.isEmpty()
                ? Optional.empty()
                : InstanceRecord.fromItem(item).channel();
    }

    public enum Kind {
        ADMITTED,
        REFUSED,
        NO_CHANNEL
    }

    /** @param admissionId set when an admission was written (only on a channel with a limit) */
    public record Decision(Kind kind, Optional<String> admissionId) {
        static Decision admitted(String id) {
            return new Decision(Kind.ADMITTED, Optional.ofNullable(id));
        }

        static Decision of(Kind kind) {
            return new Decision(kind, Optional.empty());
        }
    }

    /** An admission the sweeper found past its claim window. */
    public record AdmissionKey(String instanceId, String admissionId) {}
}
