package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What ./hydra local's terminal shows of a function's log lines, readable or raw. */
class LogDisplayTest {
    static final String ACCESS = "{\"timestamp\":\"2026-12-01T10:29:37.049Z\",\"level\":\"INFO\",\"message\":"
            + "\"POST /v1/webhooks/voice/{instance_id} 200\",\"service\":\"hydracore-voice\",\"function_name\":\"x\","
            + "\"cold_start\":true,\"route\":\"POST /v1/webhooks/voice/{instance_id}\",\"status\":200,\"latency_ms\":17.827,"
            + "\"instance_id\":\"b0db6497-4492-41a4-9d98-cc55338bc0a0\",\"provider\":\"retell\",\"outcome\":\"applied\","
            + "\"_aws\":{\"Timestamp\":1796120977049,\"CloudWatchMetrics\":[]},\"WebhookEvents\":1}";
    static final String CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss")
            .withZone(ZoneId.systemDefault())
            .format(Instant.parse("2026-12-01T10:29:37.049Z"));

    @AfterEach
    void rawAgain() {
        LogDisplay.raw(true);
    }

    @Test
    void anAccessLineIsOneReadableLine() {
        assertEquals(
                CLOCK
                        + " INFO  VoiceWebhookFunction POST /v1/webhooks/voice/{instance_id} 200 17.827 ms provider=retell"
                        + " outcome=applied (cold start)",
                LogDisplay.show(ACCESS, "VoiceWebhookFunction", false));
    }

    @Test
    void anOutageAndAWarningShowTheirClassAndFields() {
        String outage =
                "{\"timestamp\":\"2026-12-01T10:29:37.049Z\",\"level\":\"WARN\",\"message\":\"dependency unavailable\","
                        + "\"route\":\"GET /v1/x\",\"status\":503,\"latency_ms\":3.5,\"cold_start\":false,"
                        + "\"error\":{\"name\":\"SdkClientException\"}}";
        assertEquals(
                CLOCK + " WARN  VoiceStatusFunction GET /v1/x 503 dependency unavailable 3.5 ms [SdkClientException]",
                LogDisplay.show(outage, "VoiceStatusFunction", false));
        String warning =
                "{\"timestamp\":\"2026-12-01T10:29:37.049Z\",\"level\":\"WARN\",\"message\":\"stored voice credentials unreadable\","
                        + "\"service\":\"s\",\"function_name\":\"f\",\"instance_id\":\"i-1\"}";
        assertEquals(
                CLOCK + " WARN  VoiceSetupFunction stored voice credentials unreadable instance_id=i-1",
                LogDisplay.show(warning, "VoiceSetupFunction", false));
    }

    @Test
    void rawShowsTheJsonAndOtherLinesPassThrough() {
        assertEquals(ACCESS, LogDisplay.show(ACCESS, "F", true));
        assertEquals(
                "OpenJDK 64-Bit Server VM warning: x",
                LogDisplay.show("OpenJDK 64-Bit Server VM warning: x", "F", false));
        assertEquals("{not json", LogDisplay.show("{not json", "F", false));
    }

    @Test
    void theCopierShowsLineByLineAsConfigured() throws Exception {
        String input = ACCESS + "\nplain line\n";
        LogDisplay.raw(false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LogDisplay.copyInBackground(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out, "F")
                .join();
        String shown = out.toString(StandardCharsets.UTF_8);
        assertTrue(shown.startsWith(CLOCK + " INFO  F POST /v1/webhooks/voice/{instance_id} 200"), shown);
        assertTrue(shown.endsWith("\nplain line\n"), shown);
        LogDisplay.raw(true);
        out.reset();
        LogDisplay.copyInBackground(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out, "F")
                .join();
        assertEquals(input, out.toString(StandardCharsets.UTF_8));
    }
}
