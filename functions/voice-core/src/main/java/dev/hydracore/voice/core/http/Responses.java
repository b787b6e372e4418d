package dev.hydracore.voice.core.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hydracore.voice.core.JsonStreams;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/** The contract's error bodies: {@code {"detail":"..."}} and the pydantic 422 list. */
public final class Responses {
    private Responses() {}

    public static HttpResponse error(ApiException e) {
        HttpResponse r = HttpResponse.json(e.status(), detail(e.detail()));
        for (Map.Entry<String, String> h : e.headers().entrySet()) {
            r = r.withHeader(h.getKey(), h.getValue());
        }
        return r;
    }

    public static String detail(String sentence) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("detail", sentence);
            g.writeEndObject();
        });
    }

    public static HttpResponse validation(ValidationException e) {
        return HttpResponse.json(422, write(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("detail");
            for (ErrorDetail d : e.errors()) {
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

    /** Serializes with the shared factory; bodies are small, so a String is fine. */
    public static String write(JsonWriter body) {
        StringWriter w = new StringWriter(256);
        try (JsonGenerator g = JsonStreams.FACTORY.createGenerator(w)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    @FunctionalInterface
    public interface JsonWriter {
        void write(JsonGenerator g) throws IOException;
    }
}
