package dev.hydracore.voice.core.http;

import java.util.List;

/**
 * One pydantic-v2-style validation problem: {@code loc} starts with "path", "header", "query" or
 * "body". {@code msg} is written by us and never quotes the submitted value.
 */
public record ErrorDetail(List<Object> loc, String msg, String type) {
    /** Pydantic's message for a field that is absent. */
    public static final String FIELD_REQUIRED = "Field required";

    /** A required field that is absent: {@code missing}, "Field required". */
    public static ErrorDetail missing(Object... loc) {
        return of(FIELD_REQUIRED, "missing", loc);
    }

    public static ErrorDetail of(String msg, String type, Object... loc) {
        return new ErrorDetail(List.of(loc), msg, type);
    }
}
