package dev.hydracore.voice.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.aws.AwsClients;
import dev.hydracore.voice.core.aws.RetryPolicy;
import dev.hydracore.voice.testkit.AwsProxy.Fault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.InternalServerErrorException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * The fault proxy in front of the emulator: each fault does what it says (committed or not, which
 * exception the SDK raises), the seeded plan repeats, and every request's token is recorded. The
 * client under the proxy is the functions' own (AwsClients), so the one-request-per-attempt
 * counts also show the JDK's silent POST resend is off.
 */
class AwsProxyIT {
    static TestAws aws;
    static AwsProxy proxy;
    static String table;

    @BeforeAll
    static void setUp() throws Exception {
        aws = TestAws.shared();
        proxy = new AwsProxy(aws.aws().endpoint());
        table = aws.resources().tableName();
    }

    @AfterEach
    void clear() {
        proxy.clearFaults();
        proxy.reset();
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    static DynamoDbClient via(RetryPolicy policy) {
        return new AwsClients(aws.aws().region(), proxy.endpoint(), aws.aws().credentials(), policy).dynamo();
    }

    static Map<String, AttributeValue> key(String id) {
        return Map.of("pk", AttributeValue.fromS("PROXYTEST#" + id), "sk", AttributeValue.fromS("ITEM"));
    }

    static boolean stored(String id) {
        Map<String, AttributeValue> item = aws.dynamo()
                .getItem(g -> g.tableName(table).key(key(id)).consistentRead(true))
                .item();
        return item != null && !item.isEmpty();
    }

    static void put(DynamoDbClient client, String id) {
        client.putItem(p -> p.tableName(table).item(key(id)));
    }

    @Test
    void aDroppedAnswerCommitsTheWriteAndTheCallerSeesOnlyAClosedConnection() {
        String id = UUID.randomUUID().toString();
        proxy.next(AwsProxy.PUT_ITEM, Fault.DROP_ANSWER);
        assertThrows(SdkClientException.class, () -> put(via(RetryPolicy.NONE), id));
        assertTrue(stored(id), "committed");
        assertEquals(1, proxy.counts().get(AwsProxy.PUT_ITEM), "one request: the JDK did not resend the POST");
    }

    @Test
    void aResetBeforeForwardingCommitsNothing() {
        String id = UUID.randomUUID().toString();
        proxy.next(AwsProxy.PUT_ITEM, Fault.RESET_BEFORE_FORWARD);
        assertThrows(SdkClientException.class, () -> put(via(RetryPolicy.NONE), id));
        assertFalse(stored(id));
        assertEquals(1, proxy.counts().get(AwsProxy.PUT_ITEM), "one request: the JDK did not resend the POST");
    }

    @Test
    void theSdksRetryAfterAResetIsOneMoreCountedAttempt() {
        String id = UUID.randomUUID().toString();
        proxy.next(AwsProxy.PUT_ITEM, Fault.RESET_BEFORE_FORWARD);
        put(via(RetryPolicy.WEBHOOK), id);
        assertTrue(stored(id));
        assertEquals(2, proxy.counts().get(AwsProxy.PUT_ITEM));
    }

    @Test
    void aConflictIsDynamoDbsOwnCancellationNamingTheLastItemAndWritesNothing() {
        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString();
        String token = UUID.randomUUID().toString();
        proxy.next(AwsProxy.TRANSACT_WRITE_ITEMS, Fault.TRANSACTION_CONFLICT);
        TransactionCanceledException e = assertThrows(
                TransactionCanceledException.class,
                () -> via(RetryPolicy.NONE)
                        .transactWriteItems(r -> r.clientRequestToken(token).transactItems(putOf(a), putOf(b))));
        assertEquals(
                List.of("None", "TransactionConflict"),
                e.cancellationReasons().stream().map(r -> r.code()).toList());
        assertFalse(stored(a));
        assertFalse(stored(b));
        assertEquals(Optional.of(token), proxy.seen().get(0).token(), "the request's token is recorded");
        assertEquals(
                Optional.of(Fault.TRANSACTION_CONFLICT), proxy.seen().get(0).fault());
    }

    @Test
    void throttlesAndServerErrorsAreTheSdksOwnExceptions() {
        DynamoDbClient once = via(RetryPolicy.NONE);
        proxy.next(
                AwsProxy.PUT_ITEM,
                Fault.PROVISIONED_THROUGHPUT_EXCEEDED,
                Fault.THROTTLING,
                Fault.INTERNAL_SERVER_ERROR);
        String id = UUID.randomUUID().toString();
        assertThrows(ProvisionedThroughputExceededException.class, () -> put(once, id));
        DynamoDbException throttled = assertThrows(DynamoDbException.class, () -> put(once, id));
        assertEquals("ThrottlingException", throttled.awsErrorDetails().errorCode());
        assertTrue(throttled.isThrottlingException());
        assertThrows(InternalServerErrorException.class, () -> put(once, id));
        assertFalse(stored(id), "none of them reached the emulator");
    }

    @Test
    void theSdksRetriesOfATransactionCarryItsTokenAndTheEmulatorCommitsItOnce() {
        String a = UUID.randomUUID().toString();
        String token = UUID.randomUUID().toString();
        proxy.next(AwsProxy.TRANSACT_WRITE_ITEMS, Fault.THROTTLING, Fault.DROP_ANSWER);
        try {
            via(RetryPolicy.WEBHOOK)
                    .transactWriteItems(r -> r.clientRequestToken(token).transactItems(putOf(a)));
        } catch (TransactionCanceledException ignored) {
            // moto ignores the token and re-executes: the unconditional put is then just written again
        }
        assertTrue(stored(a));
        List<Optional<String>> tokens =
                proxy.seen().stream().map(AwsProxy.Seen::token).toList();
        assertEquals(List.of(Optional.of(token), Optional.of(token), Optional.of(token)), tokens);
    }

    @Test
    void aRetryWithAFreshTokenIsExecutedAsANewRequestAndMeetsTheFirstAttemptsWrite() {
        String a = UUID.randomUUID().toString();
        String token = UUID.randomUUID().toString();
        proxy.next(AwsProxy.TRANSACT_WRITE_ITEMS, Fault.DROP_ANSWER, Fault.NEW_TOKEN);
        TransactWriteItem absent = TransactWriteItem.builder()
                .put(Put.builder()
                        .tableName(table)
                        .item(key(a))
                        .conditionExpression("attribute_not_exists(pk)")
                        .build())
                .build();
        // Neither emulator replays the first success: the retry is a new request and fails its condition.
        TransactionCanceledException e = assertThrows(
                TransactionCanceledException.class,
                () -> via(RetryPolicy.WEBHOOK)
                        .transactWriteItems(r -> r.clientRequestToken(token).transactItems(absent)));
        assertEquals(
                List.of("ConditionalCheckFailed"),
                e.cancellationReasons().stream().map(r -> r.code()).toList());
        assertTrue(stored(a), "the first attempt committed");
        assertEquals(
                List.of(Optional.of(token), Optional.of(token)),
                proxy.seen().stream().map(AwsProxy.Seen::token).toList(),
                "recorded as the client sent them");
    }

    @Test
    void aCallHeldPastTheAttemptTimeoutTimesOutAndIsForwardedAfterwards() throws Exception {
        String id = UUID.randomUUID().toString();
        proxy.holdPastTimeout(Duration.ofMillis(800));
        proxy.next(AwsProxy.PUT_ITEM, Fault.HOLD_PAST_TIMEOUT);
        RetryPolicy impatient = new RetryPolicy(
                1, Duration.ofMillis(300), Duration.ofMillis(300), Duration.ZERO, Duration.ZERO, Duration.ZERO);
        assertThrows(SdkClientException.class, () -> put(via(impatient), id));
        long deadline = System.currentTimeMillis() + 5000;
        while (!stored(id) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(stored(id), "forwarded after the hold: committed after the caller gave up");
    }

    @Test
    void aDealtPlanGivesEveryRunOfCallsExactlyItsFaults() {
        DynamoDbClient once = via(RetryPolicy.NONE);
        proxy.seed(7)
                .dealt("DynamoDB_20120810.GetItem", 10, Map.of(Fault.THROTTLING, 3, Fault.INTERNAL_SERVER_ERROR, 1));
        String id = UUID.randomUUID().toString();
        for (int i = 0; i < 30; i++) {
            try {
                once.getItem(g -> g.tableName(table).key(key(id)));
            } catch (DynamoDbException expected) {
                // a dealt fault
            }
        }
        List<Optional<Fault>> faults =
                proxy.seen().stream().map(AwsProxy.Seen::fault).toList();
        for (int run = 0; run < 3; run++) {
            List<Optional<Fault>> cards = faults.subList(run * 10, run * 10 + 10);
            assertEquals(
                    3,
                    cards.stream()
                            .filter(f -> f.equals(Optional.of(Fault.THROTTLING)))
                            .count(),
                    "run " + run);
            assertEquals(
                    1,
                    cards.stream()
                            .filter(f -> f.equals(Optional.of(Fault.INTERNAL_SERVER_ERROR)))
                            .count(),
                    "run " + run);
        }
    }

    @Test
    void theSameSeedDrawsTheSameFaults() {
        DynamoDbClient once = via(RetryPolicy.NONE);
        proxy.atRandom("DynamoDB_20120810.GetItem", Map.of(Fault.THROTTLING, 0.3, Fault.INTERNAL_SERVER_ERROR, 0.2));
        List<Optional<Fault>> first = draws(once, 42);
        List<Optional<Fault>> again = draws(once, 42);
        List<Optional<Fault>> other = draws(once, 7);
        assertEquals(first, again);
        assertNotEquals(first, other);
        assertTrue(first.contains(Optional.empty()));
        assertTrue(first.contains(Optional.of(Fault.THROTTLING)));
        assertTrue(first.contains(Optional.of(Fault.INTERNAL_SERVER_ERROR)));
    }

    private List<Optional<Fault>> draws(DynamoDbClient client, long seed) {
        proxy.reset();
        proxy.seed(seed);
        for (int i = 0; i < 30; i++) {
            try {
                client.getItem(g -> g.tableName(table).key(key("absent")));
            } catch (DynamoDbException expected) {
                // a drawn fault
            }
        }
        List<Optional<Fault>> out = new ArrayList<>();
        proxy.seen().forEach(s -> out.add(s.fault()));
        return out;
    }

    private static TransactWriteItem putOf(String id) {
        return TransactWriteItem.builder()
                .put(Put.builder().tableName(table).item(key(id)).build())
                .build();
    }
}
