package dev.hydracore.voice.core.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The budgets per path hold together, and fit who waits (docs/retries.md). */
class RetryPolicyTest {
    static final List<RetryPolicy> PATHS =
            List.of(RetryPolicy.WEBHOOK, RetryPolicy.API, RetryPolicy.SWEEPER, RetryPolicy.ADMIN);

    @Test
    void everyPathRetriesWithinItsCallTimeout() {
        for (RetryPolicy p : PATHS) {
            assertTrue(p.attempts() >= 2, p + " retries");
            assertTrue(p.attemptTimeout().compareTo(p.callTimeout()) <= 0, p + ": one attempt fits the call");
            assertTrue(p.maxDelay().compareTo(p.callTimeout()) < 0, p + ": a pause leaves time for an attempt");
            assertEquals(p.attempts(), p.strategy().maxAttempts());
        }
        assertEquals(1, RetryPolicy.NONE.strategy().maxAttempts());
    }

    @Test
    void aWebhookEventGivesUpBeforeRetellDoes() {
        // Read, decrypt, write in a row, each failing as slowly as its budget allows: the 503 comes before 10 s.
        Duration worst = RetryPolicy.WEBHOOK.callTimeout().multipliedBy(3);
        assertTrue(worst.compareTo(Duration.ofSeconds(10)) < 0, worst.toString());
    }

    @Test
    void aWebhookEventsBudgetBoundsItsStoreLoopAndEndsBeforeRetellGivesUp() {
        Duration retell = Duration.ofSeconds(10);
        // The calls the budget does not cap (the first read and a KMS decrypt, each within its call timeout)
        // fit inside it, so the budget is what bounds the event, however many re-decisions the store makes.
        assertTrue(RetryPolicy.WEBHOOK.callTimeout().multipliedBy(2).compareTo(RetryPolicy.WEBHOOK_EVENT_BUDGET) < 0);
        // At least 2 s left for Lambda and the network before Retell's timeout.
        assertTrue(RetryPolicy.WEBHOOK_EVENT_BUDGET.plusSeconds(2).compareTo(retell) <= 0);
        // And one lost race plus its re-read at their slowest fits: the store can re-decide at least once.
        assertTrue(RetryPolicy.WEBHOOK.callTimeout().multipliedBy(3).compareTo(RetryPolicy.WEBHOOK_EVENT_BUDGET) < 0);
    }

    @Test
    void theJdksSilentPostResendIsOffOnceClientsAreBuilt() {
        assertEquals("sun.net.http.retryPost", AwsClients.RETRY_POST_PROPERTY);
        new AwsClients("us-east-1", RetryPolicy.API);
        assertEquals("false", System.getProperty(AwsClients.RETRY_POST_PROPERTY));
    }
}
