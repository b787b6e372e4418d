package dev.hydracore.voice.local.schedule;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * EventBridge's six-field cron, in UTC: {@code minutes hours day-of-month month day-of-week year}.
 * Fields take {@code * , - /}; day-of-month also {@code L}, {@code LW}, {@code nW} (nearest weekday);
 * day-of-week {@code 1-7} or {@code SUN-SAT} (1 is Sunday), {@code L} (Saturday), {@code nL} (last n
 * of the month) and {@code n#k} (k-th n of the month). Exactly one of the two day fields is {@code ?},
 * as EventBridge requires.
 */
public final class CronExpression implements ScheduleExpression {
    private static final int MIN_YEAR = 1970;
    private static final int MAX_YEAR = 2199;
    private static final List<String> MONTHS =
            List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
    private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

    private final String text;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet months;
    private final BitSet years;
    /** Null when the field is {@code ?}. */
    private final List<DayRule> daysOfMonth;

    private final List<DayRule> daysOfWeek;

    private CronExpression(
            String text,
            BitSet minutes,
            BitSet hours,
            List<DayRule> daysOfMonth,
            BitSet months,
            List<DayRule> daysOfWeek,
            BitSet years) {
        this.text = text;
        this.minutes = minutes;
        this.hours = hours;
        this.daysOfMonth = daysOfMonth;
        this.months = months;
        this.daysOfWeek = daysOfWeek;
        this.years = years;
    }

    /** Parses the inside of {@code cron(...)}; throws {@link IllegalArgumentException} naming the bad field. */
    public static CronExpression parse(String fields) {
        String[] f = fields.strip().split("\\s+");
        if (f.length != 6) {
            throw new IllegalArgumentException("cron(" + fields
                    + ") needs 6 fields (minutes hours day-of-month month day-of-week year), got " + f.length);
        }
        boolean domAny = f[2].equals("?");
        boolean dowAny = f[4].equals("?");
        if (domAny == dowAny) {
            throw new IllegalArgumentException(
                    "cron(" + fields + "): exactly one of day-of-month and day-of-week must be ?");
        }
        return new CronExpression(
                "cron(" + fields.strip() + ")",
                values(f[0], "minutes", 0, 59, List.of()),
                values(f[1], "hours", 0, 23, List.of()),
                domAny ? null : daysOfMonth(f[2]),
                values(f[3], "month", 1, 12, MONTHS),
                dowAny ? null : daysOfWeek(f[4]),
                values(f[5], "year", MIN_YEAR, MAX_YEAR, List.of()));
    }

    @Override
    public Optional<Instant> next(Instant after, Instant origin) {
        LocalDateTime from = LocalDateTime.ofInstant(after, ZoneOffset.UTC)
                .truncatedTo(ChronoUnit.MINUTES)
                .plusMinutes(1);
        LocalDate day = from.toLocalDate();
        int fromMinuteOfDay = from.getHour() * 60 + from.getMinute();
        while (day.getYear() <= MAX_YEAR) {
            if (!years.get(day.getYear())) {
                day = LocalDate.of(day.getYear() + 1, 1, 1);
                fromMinuteOfDay = 0;
                continue;
            }
            if (!months.get(day.getMonthValue())) {
                day = day.with(TemporalAdjusters.firstDayOfNextMonth());
                fromMinuteOfDay = 0;
                continue;
            }
            if (dayMatches(day)) {
                for (int h = hours.nextSetBit(fromMinuteOfDay / 60); h >= 0; h = hours.nextSetBit(h + 1)) {
                    int startMinute = h == fromMinuteOfDay / 60 ? fromMinuteOfDay % 60 : 0;
                    int m = minutes.nextSetBit(startMinute);
                    if (m >= 0) {
                        return Optional.of(day.atTime(h, m).toInstant(ZoneOffset.UTC));
                    }
                }
            }
            day = day.plusDays(1);
            fromMinuteOfDay = 0;
        }
        return Optional.empty();
    }

    boolean dayMatches(LocalDate day) {
        List<DayRule> rules = daysOfMonth != null ? daysOfMonth : daysOfWeek;
        return rules.stream().anyMatch(r -> r.matches(day));
    }

    @Override
    public String toString() {
        return text;
    }

    private static List<DayRule> daysOfMonth(String field) {
        List<DayRule> rules = new ArrayList<>();
        for (String item : field.split(",", -1)) {
            String u = item.toUpperCase(Locale.ROOT);
            if (u.equals("L")) {
                rules.add(d -> d.getDayOfMonth() == d.lengthOfMonth());
            } else if (u.equals("LW")) {
                rules.add(d -> d.equals(nearestWeekday(d.withDayOfMonth(d.lengthOfMonth()))));
            } else if (u.endsWith("W")) {
                int n = number(u.substring(0, u.length() - 1), "day-of-month", 1, 31, List.of());
                rules.add(d -> n <= d.lengthOfMonth() && d.equals(nearestWeekday(d.withDayOfMonth(n))));
            } else {
                BitSet set = values(item, "day-of-month", 1, 31, List.of());
                rules.add(d -> set.get(d.getDayOfMonth()));
            }
        }
        return rules;
    }

    /** The weekday nearest to {@code d} within its month (Quartz's and EventBridge's W). */
    private static LocalDate nearestWeekday(LocalDate d) {
        return switch (d.getDayOfWeek()) {
            case SATURDAY -> d.getDayOfMonth() == 1 ? d.plusDays(2) : d.minusDays(1);
            case SUNDAY -> d.getDayOfMonth() == d.lengthOfMonth() ? d.minusDays(2) : d.plusDays(1);
            default -> d;
        };
    }

    private static List<DayRule> daysOfWeek(String field) {
        List<DayRule> rules = new ArrayList<>();
        for (String item : field.split(",", -1)) {
            String u = item.toUpperCase(Locale.ROOT);
            if (u.equals("L")) {
                rules.add(d -> d.getDayOfWeek() == DayOfWeek.SATURDAY);
            } else if (u.length() > 1 && u.endsWith("L")) {
                DayOfWeek dow = dayOfWeek(number(u.substring(0, u.length() - 1), "day-of-week", 1, 7, DAYS));
                rules.add(d -> d.getDayOfWeek() == dow && d.plusWeeks(1).getMonth() != d.getMonth());
            } else if (u.contains("#")) {
                String[] p = u.split("#", -1);
                if (p.length != 2) {
                    throw bad("day-of-week", item);
                }
                DayOfWeek dow = dayOfWeek(number(p[0], "day-of-week", 1, 7, DAYS));
                int k = number(p[1], "day-of-week", 1, 5, List.of());
                rules.add(d -> d.getDayOfWeek() == dow && (d.getDayOfMonth() - 1) / 7 + 1 == k);
            } else {
                BitSet set = values(item, "day-of-week", 1, 7, DAYS);
                rules.add(d -> set.get(d.getDayOfWeek().getValue() % 7 + 1));
            }
        }
        return rules;
    }

    /** EventBridge's 1 (Sunday) … 7 (Saturday) to java.time's. */
    private static DayOfWeek dayOfWeek(int eventBridgeDay) {
        return eventBridgeDay == 1 ? DayOfWeek.SUNDAY : DayOfWeek.of(eventBridgeDay - 1);
    }

    /** A field of {@code * , - /} items (and names, where the field has them) as the set of values it allows. */
    private static BitSet values(String field, String name, int min, int max, List<String> names) {
        BitSet set = new BitSet(max + 1);
        for (String item : field.split(",", -1)) {
            String range = item;
            int step = 1;
            int slash = item.indexOf('/');
            if (slash >= 0) {
                range = item.substring(0, slash);
                step = number(item.substring(slash + 1), name, 1, max, List.of());
            }
            int from;
            int to;
            if (range.equals("*")) {
                from = min;
                to = max;
            } else if (range.contains("-")) {
                String[] p = range.split("-", -1);
                if (p.length != 2) {
                    throw bad(name, item);
                }
                from = number(p[0], name, min, max, names);
                to = number(p[1], name, min, max, names);
                if (from > to) {
                    throw bad(name, item);
                }
            } else {
                from = number(range, name, min, max, names);
                // "5/15" means from 5 every 15 to the end of the range, as in EventBridge.
                to = slash >= 0 ? max : from;
            }
            for (int v = from; v <= to; v += step) {
                set.set(v);
            }
        }
        return set;
    }

    private static int number(String s, String name, int min, int max, List<String> names) {
        int i = names.indexOf(s.toUpperCase(Locale.ROOT));
        if (i >= 0) {
            return i + min;
        }
        if (s.isEmpty() || !s.chars().allMatch(Character::isDigit) || s.length() > 4) {
            throw bad(name, s);
        }
        int v = Integer.parseInt(s);
        if (v < min || v > max) {
            throw new IllegalArgumentException("cron " + name + " value " + v + " is outside " + min + "-" + max);
        }
        return v;
    }

    private static IllegalArgumentException bad(String name, String item) {
        return new IllegalArgumentException("cron " + name + " field: cannot read '" + item + "'");
    }

    /** One item of a day field, matched against a calendar date. */
    private interface DayRule {
        boolean matches(LocalDate day);
    }
}
