package dev.hydracore.voice.core.http;

import java.util.Locale;

/** The {@code instance_id} path parameter: a UUID of any version, either case, stored lower-case. */
public final class InstanceId {
    private InstanceId() {}

    public static String parse(String raw) {
        String problem = problem(raw);
        if (problem != null) {
            throw new ValidationException(
                    ErrorDetail.of("Input should be a valid UUID, " + problem, "uuid_parsing", "path", "instance_id"));
        }
        return raw.toLowerCase(Locale.ROOT);
    }

    public static boolean isValid(String raw) {
        return problem(raw) == null;
    }

    /** Why the value is not a canonical UUID, in words that never quote it; null when it is one. */
    private static String problem(String raw) {
        if (raw == null || raw.length() != 36) {
            return "invalid length: expected 36 characters in the 8-4-4-4-12 format, found "
                    + (raw == null ? 0 : raw.length());
        }
        for (int i = 0; i < 36; i++) {
            char c = raw.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : !isAsciiHex(c)) {
                return "invalid character at position " + (i + 1) + ": expected " + (dash ? "'-'" : "a hex digit");
            }
        }
        return null;
    }

    private static boolean isAsciiHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
