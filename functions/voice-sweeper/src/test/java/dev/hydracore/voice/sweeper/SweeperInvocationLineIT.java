package dev.hydracore.voice.sweeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Metrics;
import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.calls.CallEvent;
import dev.hydracore.voice.core.calls.CallState;
import dev.hydracore.voice.core.store.CallTransitions;
import dev.hydracore.voice.testkit.LogLines;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestChannels;
import dev.hydracore.voice.testkit.TestClock;
import dev.hydracore.voice.testkit.TestContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The sweeper's run through the Lambda entry point: one line, and CallsEndedBySweeper and ActiveCalls as valid EMF. */
class SweeperInvocationLineIT {
    static final String SCHEDULED =
            "{\"version\":\"0\",\"id\":\"e1\",\"detail-type\":\"Scheduled Event\",\"source\":\"aws.events\","
                    + "\"detail\":{}}";

    static JsonNode run(SweeperHandler sweeper, String requestId) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sweeper.handleRequest(
                new ByteArrayInputStream(SCHEDULED.getBytes(StandardCharsets.UTF_8)),
                out,
                new TestContext(requestId, "stack-sweeper", null));
        return Json.MAPPER.readTree(out.toByteArray());
    }

    @Test
    void eachRunIsOneLineCountingTheCallsItEnded() throws Exception {
        TestAws aws = TestAws.shared();
        TestAws.TestCaller caller = aws.newCaller();
        TestClock clock = new TestClock(Instant.parse("2041-01-01T00:00:00Z"));
        Services services = aws.services(aws.settings(), clock);
        CallTransitions store = services.callTransitions();
        String iid = new TestChannels(aws)
                .retell(caller, aws.registerInstance(caller), "key_" + UUID.randomUUID())
                .instanceId();
        for (String callId : List.of("line_1", "line_2")) {
            store.apply(store.read(iid, callId, null), CallEvent.state(CallState.IN_PROGRESS, "+14155550160"));
        }
        clock.advance(Duration.ofHours(5));
        SweeperHandler sweeper = new SweeperHandler(services);

        LogLines.Captured<List<JsonNode>> captured =
                LogLines.capture(() -> List.of(run(sweeper, "s-1"), run(sweeper, "s-2")));
        List<JsonNode> lines = captured.logs().invocations();
        assertEquals(2, lines.size(), captured.logs().text());
        for (int i = 0; i < 2; i++) {
            JsonNode line = lines.get(i);
            long ended = captured.value().get(i).path("ended").asLong();
            assertEquals("s-" + (i + 1), line.path("function_request_id").asText());
            assertEquals("schedule", line.path("route").asText());
            assertEquals("sweep finished", line.path("message").asText());
            assertEquals(ended, line.path("ended").asLong());
            assertEquals(i == 0, line.path("cold_start").asBoolean());
            assertEquals(List.of(), LogLines.emfProblems(line), line.toString());
            assertEquals(List.of(List.of()), LogLines.emfMetrics(line).get(Metrics.CALLS_ENDED_BY_SWEEPER));
            assertEquals(ended, line.path(Metrics.CALLS_ENDED_BY_SWEEPER).asLong());
            // The total across every instance (the emulator's table is shared): at least the calls it ended.
            assertEquals(List.of(List.of()), LogLines.emfMetrics(line).get(Metrics.ACTIVE_CALLS));
            assertTrue(line.path(Metrics.ACTIVE_CALLS).asLong(-1) >= ended, line.toString());
            assertFalse(line.has("status"), "a scheduled run answers no HTTP status");
        }
        assertTrue(captured.value().get(0).path("ended").asLong() >= 2, "this test's two overdue calls were ended");
        assertEquals(0, captured.value().get(1).path("ended").asLong(), "the second run finds nothing left");
    }
}
