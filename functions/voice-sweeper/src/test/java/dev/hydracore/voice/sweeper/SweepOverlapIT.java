package dev.hydracore.voice.sweeper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hydracore.voice.core.store.CallItems;
import dev.hydracore.voice.testkit.AwsProxy;
import dev.hydracore.voice.testkit.TestAws;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A sweep sends its reads as one round: every shard's query and the admissions' query are in
 * flight at once (they used to go one after another, nine in a row). The proxy holds each call
 * 300 ms, so calls that overlap are seen in flight together.
 */
class SweepOverlapIT {
    static final String QUERY = "DynamoDB_20120810.Query";

    @Test
    void everyShardAndTheAdmissionsAreQueriedAtOnce() throws Exception {
        TestAws aws = TestAws.shared();
        try (AwsProxy proxy = new AwsProxy(aws.aws().endpoint()).holdEach(Duration.ofMillis(300))) {
            SweeperHandler sweeper = new SweeperHandler(aws.servicesVia(proxy.endpoint()));
            // Priming's cutoff: before every start time, so nothing is ended whatever the index holds.
            assertEquals(new SweeperHandler.Summary(0, 0, 0, 0), sweeper.sweep(SweeperHandler.PRIMING_CUTOFF));
            int reads = CallItems.SWEEP_SHARDS + 1;
            assertEquals(Map.of(QUERY, reads), proxy.counts());
            assertEquals(reads, proxy.maxInFlight(), "every shard's query and the admissions' in flight together");
        }
    }
}
