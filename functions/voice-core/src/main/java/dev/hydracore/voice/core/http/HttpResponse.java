package dev.hydracore.voice.core.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hydracore.voice.core.JsonStreams;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/** A handler's answer, written out as the API Gateway v2 response JSON. */
public record HttpResponse(int status, Map<String, String> headers, String body) {

    public static final String JSON = "application/json";

    public static HttpResponse json(int status, String body) {
        return new HttpResponse(status, Map.of("content-type", JSON), body);
    }

    public static HttpResponse noContent() {
        return new HttpResponse(204, Map.of(), "");
    }

    public static HttpResponse text(int status, String contentType, String body) {
        return new HttpResponse(status, Map.of("content-type", contentType), body);
    }

    public HttpResponse withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new HttpResponse(status, Map.copyOf(h), body);
    }

    public void writeTo(OutputStream out) throws IOException {
        try (JsonGenerator g = JsonStreams.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("statusCode", status);
            g.writeObjectFieldStart("headers");
            for (Map.Entry<String, String> e : headers.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeStringField("body", body);
            g.writeBooleanField("isBase64Encoded", false);
            g.writeEndObject();
        }
    }
}
