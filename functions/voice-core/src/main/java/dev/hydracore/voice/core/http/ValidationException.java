package dev.hydracore.voice.core.http;

import dev.hydracore.voice.core.JsonStreams;
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

    /** The pydantic-shaped 422: {@code {"detail":[{"loc":[...],"msg":...,"type":...}, ...]}}. */
    public HttpResponse toResponse() {
        return HttpResponse.json(422, JsonStreams.write(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("detail");
            for (ErrorDetail d : errors) {
                g.writeStartObject();
                g.writeArrayFieldStart("loc");
                for (Object part : d.loc()) {
                    if (part instanceof Integer i) {
                        g.writeNumber(i);
                    } else {
                        g.writeString(String.valueOf(part));
                    }
                }
                g.writeEndArray();
                g.writeStringField("msg", d.msg());
                g.writeStringField("type", d.type());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }));
    }
}
