package dev.hydracore.voice.local.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** EventBridge's rate(...) and cron(...) expressions: parsing and the next firing, in UTC. */
class ScheduleExpressionTest {
    private static final Instant ORIGIN = Instant.parse("2026-12-01T09:40:17.250Z");

    private static Instant next(String expression, String after) {
        return ScheduleExpression.parse(expression)
                .next(Instant.parse(after), ORIGIN)
                .orElseThrow();
    }

    /** The next {@code n} firings after {@code after}, each strictly after the one before. */
    private static List<String> firings(String expression, String after, int n) {
        ScheduleExpression e = ScheduleExpression.parse(expression);
        List<String> out = new ArrayList<>();
        Instant t = Instant.parse(after);
        for (int i = 0; i < n; i++) {
            t = e.next(t, ORIGIN).orElseThrow();
            out.add(t.toString());
        }
        return out;
    }

    @Test
    void ratesCountWholePeriodsFromTheRulesCreation() {
        assertEquals(Instant.parse("2026-12-01T09:41:17.250Z"), next("rate(1 minute)", "2026-12-01T09:40:17.250Z"));
        assertEquals(Instant.parse("2026-12-01T09:41:17.250Z"), next("rate(1 minute)", "2026-12-01T09:40:59Z"));
        assertEquals(Instant.parse("2026-12-01T09:42:17.250Z"), next("rate(1 minute)", "2026-12-01T09:41:17.250Z"));
        assertEquals(Instant.parse("2026-12-01T09:55:17.250Z"), next("rate(15 minutes)", "2026-12-01T09:41:00Z"));
        assertEquals(Instant.parse("2026-12-01T11:40:17.250Z"), next("rate(2 hours)", "2026-12-01T09:40:17.250Z"));
        assertEquals(Instant.parse("2026-12-02T09:40:17.250Z"), next("rate(1 day)", "2026-12-01T10:00:00Z"));
        assertEquals(Instant.parse("2026-12-04T09:40:17.250Z"), next("rate(3 days)", "2026-12-01T10:00:00Z"));
        // Before the origin: the first firing is one period after it.
        assertEquals(ORIGIN.plus(Duration.ofMinutes(5)), next("rate(5 minutes)", "2020-01-01T00:00:00Z"));
        assertEquals(
                "rate(5 minutes)",
                ScheduleExpression.parse(" rate( 5  minutes ) ".strip()).toString());
    }

    @Test
    void ratesTakeEventBridgesUnitsAndGrammarOnly() {
        for (String bad : List.of(
                "rate(1 minutes)",
                "rate(5 minute)",
                "rate(0 minutes)",
                "rate(-1 minutes)",
                "rate(1 second)",
                "rate(2 weeks)",
                "rate(minute)",
                "rate(1.5 hours)",
                "rate(1 hour 2)",
                "rate()",
                "every(1 minute)",
                "rate 1 minute")) {
            assertThrows(IllegalArgumentException.class, () -> ScheduleExpression.parse(bad), bad);
        }
    }

    @Test
    void cronEveryMinuteAndEveryFewMinutes() {
        assertEquals(
                List.of("2026-12-01T09:41:00Z", "2026-12-01T09:42:00Z", "2026-12-01T09:43:00Z"),
                firings("cron(* * * * ? *)", "2026-12-01T09:40:17Z", 3));
        // Exactly on a firing: the next one, never the same.
        assertEquals(List.of("2026-12-01T09:41:00Z"), firings("cron(* * * * ? *)", "2026-12-01T09:40:00Z", 1));
        assertEquals(
                List.of("2026-12-01T09:45:00Z", "2026-12-01T10:00:00Z", "2026-12-01T10:15:00Z"),
                firings("cron(0/15 * * * ? *)", "2026-12-01T09:40:17Z", 3));
        assertEquals(
                List.of("2026-12-01T09:50:00Z", "2026-12-01T10:05:00Z", "2026-12-01T10:20:00Z"),
                firings("cron(5/15 * * * ? *)", "2026-12-01T09:40:17Z", 3));
        assertEquals(
                List.of("2026-12-01T09:55:00Z", "2026-12-01T10:10:00Z", "2026-12-01T10:55:00Z"),
                firings("cron(10,55 * * * ? *)", "2026-12-01T09:40:17Z", 3));
    }

    @Test
    void cronHoursRangesMonthsAndWeekdaysByName() {
        // 10:15 on weekdays (AWS's own example "cron(15 10 ? * 6L 2019-2022)" aside): 2026-12-01 is a Tuesday.
        assertEquals(
                List.of(
                        "2026-12-01T10:15:00Z",
                        "2026-12-02T10:15:00Z",
                        "2026-12-03T10:15:00Z",
                        "2026-12-04T10:15:00Z",
                        "2026-12-07T10:15:00Z"),
                firings("cron(15 10 ? * MON-FRI *)", "2026-12-01T09:40:17Z", 5));
        assertEquals(
                firings("cron(15 10 ? * MON-FRI *)", "2026-12-01T09:40:17Z", 5),
                firings("cron(15 10 ? * 2-6 *)", "2026-12-01T09:40:17Z", 5));
        // Every 10 minutes, Monday to Friday, 08:00-17:50 (AWS's documented example "0/10 8-17 ? * MON-FRI *").
        assertEquals(
                List.of("2026-12-04T17:50:00Z", "2026-12-07T08:00:00Z"),
                firings("cron(0/10 8-17 ? * MON-FRI *)", "2026-12-04T17:45:00Z", 2));
        // 12:00 on the first of every month.
        assertEquals(
                List.of("2027-01-01T12:00:00Z", "2027-02-01T12:00:00Z"),
                firings("cron(0 12 1 * ? *)", "2026-12-01T12:00:00Z", 2));
        // Only in some months, by name; Sunday is 1 (and SUN).
        assertEquals(
                List.of("2027-03-07T18:00:00Z", "2027-03-14T18:00:00Z"),
                firings("cron(0 18 ? MAR 1 *)", "2026-12-01T00:00:00Z", 2));
        assertEquals(List.of("2027-03-07T18:00:00Z"), firings("cron(0 18 ? mar sun *)", "2026-12-01T00:00:00Z", 1));
        assertEquals(List.of("2026-12-05T00:00:00Z"), firings("cron(0 0 ? * 7 *)", "2026-12-01T00:00:00Z", 1));
    }

    @Test
    void cronLastDaysWeekdaysAndNthWeekdays() {
        assertEquals(
                List.of("2026-12-31T00:00:00Z", "2027-01-31T00:00:00Z", "2027-02-28T00:00:00Z", "2027-03-31T00:00:00Z"),
                firings("cron(0 0 L * ? *)", "2026-12-01T00:00:00Z", 4));
        assertEquals(List.of("2028-02-29T00:00:00Z"), firings("cron(0 0 L 2 ? 2028)", "2026-12-01T00:00:00Z", 1));
        // Last weekday: 2027-01-31 is a Sunday, so Friday the 29th; 2027-07-31 a Saturday, so Friday the 30th.
        assertEquals(
                List.of("2026-12-31T09:00:00Z", "2027-01-29T09:00:00Z"),
                firings("cron(0 9 LW * ? *)", "2026-12-01T00:00:00Z", 2));
        assertEquals(List.of("2027-07-30T09:00:00Z"), firings("cron(0 9 LW 7 ? 2027)", "2026-12-01T00:00:00Z", 1));
        // Nearest weekday to the 15th: 2027-05-15 is a Saturday -> Friday 14th; 2027-08-15 a Sunday -> Monday 16th.
        assertEquals(List.of("2027-05-14T09:00:00Z"), firings("cron(0 9 15W 5 ? *)", "2026-12-01T00:00:00Z", 1));
        assertEquals(List.of("2027-08-16T09:00:00Z"), firings("cron(0 9 15W 8 ? *)", "2026-12-01T00:00:00Z", 1));
        // 1W on a Saturday the 1st stays in the month: 2027-05-01 is a Saturday -> Monday 3rd.
        assertEquals(List.of("2027-05-03T09:00:00Z"), firings("cron(0 9 1W 5 ? *)", "2026-12-01T00:00:00Z", 1));
        // Second Tuesday (3#2) and last Friday (6L) of the month; L alone in day-of-week is Saturday.
        assertEquals(
                List.of("2026-12-08T10:00:00Z", "2027-01-12T10:00:00Z"),
                firings("cron(0 10 ? * 3#2 *)", "2026-12-01T00:00:00Z", 2));
        assertEquals(
                List.of("2026-12-25T10:00:00Z", "2027-01-29T10:00:00Z"),
                firings("cron(0 10 ? * 6L *)", "2026-12-01T00:00:00Z", 2));
        assertEquals(List.of("2026-12-25T10:00:00Z"), firings("cron(0 10 ? * FRIL *)", "2026-12-01T00:00:00Z", 1));
        assertEquals(List.of("2026-12-05T10:00:00Z"), firings("cron(0 10 ? * L *)", "2026-12-01T00:00:00Z", 1));
    }

    @Test
    void cronYearsBoundTheScheduleAndAPastOneNeverFires() {
        assertEquals(
                List.of("2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"),
                firings("cron(0 0 1 1 ? 2027-2028)", "2026-06-01T00:00:00Z", 2));
        Optional<Instant> none = ScheduleExpression.parse("cron(0 0 1 1 ? 2027-2028)")
                .next(Instant.parse("2028-01-01T00:00:00Z"), ORIGIN);
        assertTrue(none.isEmpty(), none::toString);
        assertTrue(
                ScheduleExpression.parse("cron(0 0 31 2 ? *)")
                        .next(ORIGIN, ORIGIN)
                        .isEmpty(),
                "February has no 31st");
    }

    @Test
    void cronRejectsWhatEventBridgeRejects() {
        for (String bad : List.of(
                "cron(* * * * *)",
                "cron(* * * * ? * *)",
                "cron(* * * * * *)",
                "cron(* * ? * ? *)",
                "cron(60 * * * ? *)",
                "cron(* 24 * * ? *)",
                "cron(* * 0 * ? *)",
                "cron(* * 32 * ? *)",
                "cron(* * * 13 ? *)",
                "cron(* * ? * 8 *)",
                "cron(* * ? * 0 *)",
                "cron(* * * * ? 1969)",
                "cron(* * * * ? 2200)",
                "cron(5-1 * * * ? *)",
                "cron(*/0 * * * ? *)",
                "cron(a * * * ? *)",
                "cron(* * ? * 3#6 *)",
                "cron(* * ? * 3#2#1 *)",
                "cron(* * ? FOO * *)",
                "cron(1,,2 * * * ? *)")) {
            assertThrows(IllegalArgumentException.class, () -> ScheduleExpression.parse(bad), bad);
        }
    }
}
