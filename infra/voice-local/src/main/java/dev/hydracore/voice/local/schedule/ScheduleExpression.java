package dev.hydracore.voice.local.schedule;

import java.time.Instant;
import java.util.Optional;

/** An EventBridge schedule expression: {@code rate(...)} or {@code cron(...)}. */
public sealed interface ScheduleExpression permits RateExpression, CronExpression {

    /**
     * The first firing strictly after {@code after}; {@code origin} is when the rule was created
     * (rates count from it). Empty when the expression never fires again (a cron's years are past).
     */
    Optional<Instant> next(Instant after, Instant origin);

    static ScheduleExpression parse(String expression) {
        String e = expression.strip();
        if (e.startsWith("rate(") && e.endsWith(")")) {
            return RateExpression.parse(e.substring(5, e.length() - 1));
        }
        if (e.startsWith("cron(") && e.endsWith(")")) {
            return CronExpression.parse(e.substring(5, e.length() - 1));
        }
        throw new IllegalArgumentException(
                "schedule expression '" + expression + "' is neither rate(...) nor cron(...)");
    }
}
