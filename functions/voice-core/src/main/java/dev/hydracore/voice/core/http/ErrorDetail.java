package dev.hydracore.voice.core.http;

import java.util.List;

/**
 * One pydantic-v2-style validation problem: {@code loc} starts with "path", "header", "query" or
 * "body". {@code msg} is written by us and never quotes the submitted value.
 */
public record ErrorDetail(List<Object> loc, String msg, String type) {
    public static ErrorDetail of(String msg, String type, Object... loc) {
        return new ErrorDetail(List.of(loc), msg, type);
    }
}
