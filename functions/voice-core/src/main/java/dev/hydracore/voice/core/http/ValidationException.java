package dev.hydracore.voice.core.http;

import java.util.List;

/** 422 with every problem found in the request, as FastAPI reports them. */
public class ValidationException extends RuntimeException {
    private final List<ErrorDetail> errors;

    public ValidationException(List<ErrorDetail> errors) {
        super("422 validation failed (" + errors.size() + " problem(s))", null, false, false);
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a validation failure needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    public ValidationException(ErrorDetail error) {
        this(List.of(error));
    }

    public List<ErrorDetail> errors() {
        return errors;
    }
}
