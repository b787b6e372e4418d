package dev.hydracore.voice.core.store;

import dev.hydracore.voice.core.Deadline;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * One DynamoDB call under a {@link Deadline}: its call timeout is the client's (its path's
 * RetryPolicy) or what is left of the deadline, whichever is less; none is started once the
 * deadline has passed.
 */
final class WithinDeadline {
    private WithinDeadline() {}

    /** The call's override (null: none, the client's own timeout), or {@link OutOfTimeException} when no time is left. */
    static AwsRequestOverrideConfiguration call(DynamoDbClient dynamo, Deadline deadline) {
        if (deadline.passed()) {
            throw new OutOfTimeException();
        }
        Optional<Duration> own =
                dynamo.serviceClientConfiguration().overrideConfiguration().apiCallTimeout();
        if (own.isEmpty()) {
            return null;
        }
        Duration capped = deadline.cap(own.get());
        if (capped.equals(own.get())) {
            return null;
        }
        if (capped.isZero()) {
            throw new OutOfTimeException();
        }
        return AwsRequestOverrideConfiguration.builder().apiCallTimeout(capped).build();
    }
}
