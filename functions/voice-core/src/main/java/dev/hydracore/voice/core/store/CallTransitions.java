package dev.hydracore.voice.core.store;

import dev.hydracore.voice.core.Deadline;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.calls.CallEvent;
import dev.hydracore.voice.core.calls.CallLifecycle;
import dev.hydracore.voice.core.calls.CallRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * The webhook's call transitions: call records and the instance's {@code active_calls} counter,
 * kept equal to the number of active records of the channel's generation by writing both in one
 * transaction. (The sweeper ends overdue calls through the same {@link #apply}.)
 *
 * <p>An event costs one {@link #read} (a strongly consistent BatchGetItem of the instance item —
 * which the webhook also needs for the signing secret — the call item and, for a bot turn, its
 * marker) and, when the state machine says something changes, one TransactWriteItems:
 * <ul>
 *   <li>Put of the call item, conditional on the version read ({@code attribute_not_exists} when new);</li>
 *   <li>for a counted bot turn, Put of its marker item, so a redelivery is recognised;</li>
 *   <li>{@code ADD active_calls :delta} on the instance item when the counter moves, else a
 *       ConditionCheck — both conditional on the channel generation read, so an event racing a
 *       teardown writes nothing.</li>
 * </ul>
 * A lost race re-reads and decides again (bounded); a changed or vanished generation is
 * {@link Outcome#NO_CHANNEL}. Each attempt is one {@link WriteToken}: the transaction's
 * ClientRequestToken and the call item's {@code write_token}, so a retry that meets an attempt of
 * ours committed (its answer lost) is {@link Outcome#APPLIED}, never refused or contended.
 *
 * <p>Admission ({@code max_concurrent_calls}): the event that admits a call (Twilio's incoming-call
 * request) makes the counter's {@code ADD} also conditional on {@code active_calls < limit}, so
 * concurrent rings never over-admit ({@link Outcome#REFUSED}, nothing written). A Retell call
 * admitted earlier at {@code call_inbound} ({@link InboundAdmissions}) is already counted: the
 * first event naming its admission deletes the admission item in the same transaction and takes
 * one off the delta, so {@code active_calls == active call records + live admissions} always. Call records of another generation (left by a teardown still
 * deleting, or a crashed one) are treated as absent by the state machine and never counted.
 */
public final class CallTransitions {
    private static final String CONDITIONAL_CHECK_FAILED = "ConditionalCheckFailed";

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;
    private final CallLifecycle lifecycle;

    public CallTransitions(DynamoDbClient dynamo, Settings settings, Clock clock) {
        this.dynamo = dynamo;
        this.table = settings.tableName();
        this.clock = clock;
        this.lifecycle = new CallLifecycle(settings.maxCallDuration(), settings.endedCallTtl());
    }

    /** One strongly consistent BatchGetItem: the instance item and, when named, the call item and turn marker. */
    public CallRead read(String instanceId, String callId, String turnEventId) {
        return read(instanceId, callId, turnEventId, null);
    }

    /** As {@link #read(String, String, String)}, and the call's admission item when the event names one. */
    public CallRead read(String instanceId, String callId, String turnEventId, String admissionId) {
        return read(instanceId, callId, turnEventId, admissionId, Deadline.none());
    }

    /** As {@link #read(String, String, String, String)}, within {@code deadline} (see {@link #apply(CallRead, CallEvent, boolean, Deadline)}). */
    public CallRead read(String instanceId, String callId, String turnEventId, String admissionId, Deadline deadline) {
        List<Map<String, AttributeValue>> keys = new ArrayList<>(4);
        keys.add(TableLayout.instanceKey(instanceId));
        if (callId != null) {
            keys.add(TableLayout.callKey(instanceId, callId));
            if (turnEventId != null) {
                keys.add(TableLayout.turnMarkerKey(instanceId, callId, turnEventId));
            }
            if (admissionId != null) {
                keys.add(TableLayout.admissionKey(instanceId, admissionId));
            }
        }
        Map<String, KeysAndAttributes> pending = Map.of(
                table,
                KeysAndAttributes.builder().keys(keys).consistentRead(true).build());
        List<Map<String, AttributeValue>> found = new ArrayList<>(3);
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            Map<String, KeysAndAttributes> request = pending;
            BatchGetItemResponse r = dynamo.batchGetItem(
                    b -> b.requestItems(request).overrideConfiguration(WithinDeadline.call(dynamo, deadline)));
            found.addAll(r.responses().getOrDefault(table, List.of()));
            pending = r.hasUnprocessedKeys() ? r.unprocessedKeys() : Map.of();
            if (!pending.isEmpty()) {
                Backoff.CONTENTION.pauseOrGiveUp(attempt, deadline, new ContentionException());
            }
        }
        Optional<InstanceRecord> instance = Optional.empty();
        Optional<CallRecord> call = Optional.empty();
        Optional<String> callWriteToken = Optional.empty();
        Optional<String> marker = Optional.empty();
        Optional<String> admission = Optional.empty();
        for (Map<String, AttributeValue> item : found) {
            String sk = TableLayout.str(item, TableLayout.SK);
            if ("INSTANCE".equals(sk)) {
                instance = Optional.of(InstanceRecord.fromItem(item));
            } else if (sk != null && sk.startsWith(TableLayout.ADMISSION_PREFIX)) {
                admission = Optional.ofNullable(TableLayout.str(item, TableLayout.GENERATION));
            } else if (sk != null && sk.contains(TableLayout.TURN_MARKER_INFIX)) {
                marker = Optional.ofNullable(TableLayout.str(item, TableLayout.GENERATION));
            } else if (sk != null) {
                call = Optional.of(CallItems.fromItem(item));
                callWriteToken = Optional.ofNullable(TableLayout.str(item, WriteToken.ATTRIBUTE));
            }
        }
        return new CallRead(
                instanceId, instance, callId, call, callWriteToken, turnEventId, marker, admissionId, admission);
    }

    /**
     * Applies the event to the call the read names, under the generation the read saw. The
     * read must have been made with the event's call id and turn event id.
     */
    public Outcome apply(CallRead from, CallEvent event) {
        return apply(from, event, false);
    }

    /**
     * @param admits the event is the call's admission (Twilio's incoming-call request): when it would
     *               make the call active on a channel at its {@code max_concurrent_calls}, nothing is
     *               written and the outcome is {@link Outcome#REFUSED}
     */
    public Outcome apply(CallRead from, CallEvent event, boolean admits) {
        return apply(from, event, admits, Deadline.none());
    }

    /**
     * As {@link #apply(CallRead, CallEvent, boolean)}, within {@code deadline}: each read and
     * transaction's call timeout is at most what is left, and no re-read or transaction starts
     * once it has passed ({@link OutOfTimeException}). A transaction cut short either committed —
     * a redelivery finds the call's state already there, a duplicate — or did not.
     */
    public Outcome apply(CallRead from, CallEvent event, boolean admits, Deadline deadline) {
        if (from.callId() == null) {
            throw new IllegalArgumentException("the read names no call");
        }
        Optional<String> seen = from.channel().map(ChannelRecord::generation);
        if (seen.isEmpty()) {
            return Outcome.NO_CHANNEL;
        }
        String generation = seen.get();
        CallRead s = from;
        List<String> ours = new ArrayList<>(2);
        for (int attempt = 1; ; attempt++) {
            Optional<CallLifecycle.Transition> t = lifecycle.apply(
                    s.instanceId(),
                    s.callId(),
                    generation,
                    s.callOf(generation),
                    s.turnCountedIn(generation),
                    event,
                    clock.millis());
            if (t.isEmpty()) {
                return Outcome.UNCHANGED;
            }
            OptionalLong limit = admits && t.get().counterDelta() > 0
                    ? s.channel().map(ChannelRecord::maxConcurrentCalls).orElse(OptionalLong.empty())
                    : OptionalLong.empty();
            WriteToken token = WriteToken.fresh();
            ours.add(token.value());
            Optional<CallRecord> decidedOn = s.callOf(generation);
            try {
                write(s, generation, t.get(), limit, token, deadline);
                return Outcome.APPLIED;
            } catch (TransactionCanceledException e) {
                s = read(s.instanceId(), s.callId(), s.turnEventId(), s.admissionId(), deadline);
                if (s.callWriteToken().filter(ours::contains).isPresent()) {
                    // An attempt of ours committed and its answer was lost: the retry met our own write.
                    return Outcome.APPLIED;
                }
                if (instanceConditionFailed(e) && limit.isEmpty()) {
                    return Outcome.NO_CHANNEL;
                }
                Optional<ChannelRecord> now = s.channel().filter(c -> generation.equals(c.generation()));
                if (now.isEmpty()) {
                    return Outcome.NO_CHANNEL;
                }
                // Full, and the call as we decided on it: refused. A call changed since (a duplicate
                // delivery of the same ring admitted it, filling the last place) is decided again.
                if (instanceConditionFailed(e)
                        && atLimit(now.get())
                        && s.callOf(generation).equals(decidedOn)) {
                    return Outcome.REFUSED;
                }
                Backoff.CONTENTION.pauseOrGiveUp(attempt, deadline, new ContentionException());
            }
        }
    }

    /** The channel takes no more calls now. */
    static boolean atLimit(ChannelRecord channel) {
        return channel.maxConcurrentCalls().isPresent()
                && channel.activeCalls() >= channel.maxConcurrentCalls().getAsLong();
    }

    private void write(
            CallRead s,
            String generation,
            CallLifecycle.Transition t,
            OptionalLong limit,
            WriteToken token,
            Deadline deadline) {
        CallRecord next = t.next();
        List<TransactWriteItem> items = new ArrayList<>(4);
        Put.Builder call = Put.builder().tableName(table);
        if (s.storedCall().isPresent()) {
            long storedVersion = s.storedCall().get().version();
            // A record of another generation is overwritten, so its version still guards the write.
            next = withVersion(next, Math.max(next.version(), storedVersion + 1));
            call.conditionExpression("#v = :v")
                    .expressionAttributeNames(Map.of("#v", TableLayout.VERSION))
                    .expressionAttributeValues(Map.of(":v", TableLayout.n(storedVersion)));
        } else {
            call.conditionExpression("attribute_not_exists(pk)");
        }
        items.add(TransactWriteItem.builder()
                .put(call.item(token.on(CallItems.toItem(next))).build())
                .build());
        if (t.countsTurnEvent()) {
            Map<String, AttributeValue> marker =
                    new HashMap<>(TableLayout.turnMarkerKey(s.instanceId(), s.callId(), s.turnEventId()));
            marker.put(TableLayout.GENERATION, TableLayout.s(generation));
            marker.put(TableLayout.EXPIRES_AT, TableLayout.n(next.expiresAtEpochSeconds()));
            items.add(TransactWriteItem.builder()
                    .put(Put.builder()
                            .tableName(table)
                            .item(marker)
                            .conditionExpression("attribute_not_exists(pk) OR #g <> :g")
                            .expressionAttributeNames(Map.of("#g", TableLayout.GENERATION))
                            .expressionAttributeValues(Map.of(":g", TableLayout.s(generation)))
                            .build())
                    .build());
        }
        int delta = t.counterDelta();
        if (s.admittedIn(generation)) {
            // The call was counted when it was admitted: claiming the admission replaces that count.
            items.add(TransactWriteItem.builder()
                    .delete(Delete.builder()
                            .tableName(table)
                            .key(TableLayout.admissionKey(s.instanceId(), s.admissionId()))
                            .conditionExpression("attribute_exists(pk)")
                            .build())
                    .build());
            delta -= 1;
        }
        // Last, so its cancellation reason is the last one: see instanceConditionFailed.
        if (delta != 0) {
            Map<String, AttributeValue> values = new HashMap<>();
            values.put(":d", TableLayout.n(delta));
            values.put(":g", TableLayout.s(generation));
            String condition = "#g = :g";
            if (limit.isPresent() && delta > 0) {
                condition += " AND #c < :max";
                values.put(":max", TableLayout.n(limit.getAsLong()));
            }
            items.add(TransactWriteItem.builder()
                    .update(Update.builder()
                            .tableName(table)
                            .key(TableLayout.instanceKey(s.instanceId()))
                            .updateExpression("ADD #c :d")
                            .conditionExpression(condition)
                            .expressionAttributeNames(
                                    Map.of("#c", TableLayout.ACTIVE_CALLS, "#g", TableLayout.GENERATION))
                            .expressionAttributeValues(values)
                            .build())
                    .build());
        } else {
            items.add(TransactWriteItem.builder()
                    .conditionCheck(ConditionCheck.builder()
                            .tableName(table)
                            .key(TableLayout.instanceKey(s.instanceId()))
                            .conditionExpression("#g = :g")
                            .expressionAttributeNames(Map.of("#g", TableLayout.GENERATION))
                            .expressionAttributeValues(Map.of(":g", TableLayout.s(generation)))
                            .build())
                    .build());
        }
        dynamo.transactWriteItems(r -> r.transactItems(items)
                .clientRequestToken(token.requestToken())
                .overrideConfiguration(WithinDeadline.call(dynamo, deadline)));
    }

    private static boolean instanceConditionFailed(TransactionCanceledException e) {
        List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
        return !reasons.isEmpty()
                && CONDITIONAL_CHECK_FAILED.equals(
                        reasons.get(reasons.size() - 1).code());
    }

    private static CallRecord withVersion(CallRecord c, long version) {
        return new CallRecord(
                c.instanceId(),
                c.callId(),
                c.state(),
                c.startedAtMillis(),
                c.callerPhone(),
                c.turns(),
                c.generation(),
                version,
                c.endedAtMillis(),
                c.expiresAtEpochSeconds());
    }

    public enum Outcome {
        APPLIED,
        UNCHANGED,
        NO_CHANNEL,
        REFUSED
    }

    /** Too many lost races in a row (or throttled reads): the caller answers 503 and the provider retries. */
    public static final class ContentionException extends RetryLaterException {
        public ContentionException() {
            super("call state is contended; retry later");
        }
    }

    /** What one consistent read saw. */
    public record CallRead(
            String instanceId,
            Optional<InstanceRecord> instance,
            String callId,
            Optional<CallRecord> storedCall,
            Optional<String> callWriteToken,
            String turnEventId,
            Optional<String> turnMarkerGeneration,
            String admissionId,
            Optional<String> admissionGeneration) {

        public Optional<ChannelRecord> channel() {
            return instance.flatMap(InstanceRecord::channel);
        }

        Optional<CallRecord> callOf(String generation) {
            return storedCall.filter(c -> generation.equals(c.generation()));
        }

        boolean turnCountedIn(String generation) {
            return turnMarkerGeneration.filter(generation::equals).isPresent();
        }

        /** The event's admission is live and counted in this generation's counter. */
        boolean admittedIn(String generation) {
            return admissionGeneration.filter(generation::equals).isPresent();
        }
    }
}
