package dev.hydracore.voice.local.schedule;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/** The event EventBridge delivers for a scheduled rule (or the rule's constant Input instead). */
public final class ScheduledEvent {
    private ScheduledEvent() {}

    public static String ruleArn(String region, String account, String ruleName) {
        return "arn:aws:events:" + region + ":" + account + ":rule/" + ruleName;
    }

    /** {@code time} is the firing's scheduled time in whole seconds, as EventBridge writes it. */
    public static byte[] of(TemplateSchedule schedule, UUID id, Instant time, String region, String account) {
        if (schedule.input().isPresent()) {
            return schedule.input().get().getBytes(StandardCharsets.UTF_8);
        }
        ObjectNode e = Json.object();
        e.put("version", "0");
        e.put("id", id.toString());
        e.put("detail-type", "Scheduled Event");
        e.put("source", "aws.events");
        e.put("account", account);
        e.put("time", time.truncatedTo(ChronoUnit.SECONDS).toString());
        e.put("region", region);
        e.putArray("resources").add(ruleArn(region, account, schedule.ruleName()));
        e.putObject("detail");
        return e.toString().getBytes(StandardCharsets.UTF_8);
    }
}
