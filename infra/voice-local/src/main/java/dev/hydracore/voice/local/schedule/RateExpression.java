package dev.hydracore.voice.local.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * EventBridge's {@code rate(value unit)}: every {@code value} minutes, hours or days, counted from
 * the rule's creation (the first firing is one period after it). As EventBridge requires, a value
 * of 1 takes the singular unit and any other value the plural.
 */
public record RateExpression(int value, String unit, Duration period) implements ScheduleExpression {
    private static final Map<String, Duration> UNITS =
            Map.of("minute", Duration.ofMinutes(1), "hour", Duration.ofHours(1), "day", Duration.ofDays(1));

    static RateExpression parse(String inside) {
        String[] p = inside.strip().split("\\s+");
        if (p.length != 2 || !p[0].chars().allMatch(Character::isDigit) || p[0].isEmpty() || p[0].length() > 9) {
            throw new IllegalArgumentException(
                    "rate(" + inside + ") must be rate(<positive whole number> minute(s)|hour(s)|day(s))");
        }
        int value = Integer.parseInt(p[0]);
        String unit = p[1];
        String singular = unit.endsWith("s") ? unit.substring(0, unit.length() - 1) : unit;
        Duration one = UNITS.get(singular);
        if (value <= 0 || one == null) {
            throw new IllegalArgumentException(
                    "rate(" + inside + ") must be rate(<positive whole number> minute(s)|hour(s)|day(s))");
        }
        if ((value == 1) == unit.endsWith("s")) {
            throw new IllegalArgumentException("rate(" + inside + "): EventBridge takes '"
                    + (value == 1 ? singular : singular + "s") + "' with " + value);
        }
        return new RateExpression(value, unit, one.multipliedBy(value));
    }

    @Override
    public Optional<Instant> next(Instant after, Instant origin) {
        if (after.isBefore(origin)) {
            return Optional.of(origin.plus(period));
        }
        long periods = Duration.between(origin, after).toMillis() / period.toMillis() + 1;
        return Optional.of(origin.plus(period.multipliedBy(periods)));
    }

    @Override
    public String toString() {
        return "rate(" + value + " " + unit + ")";
    }
}
