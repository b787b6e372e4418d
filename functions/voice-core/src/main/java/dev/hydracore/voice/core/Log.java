package dev.hydracore.voice.core;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.time.Instant;

/**
 * One JSON line per event on stderr (CloudWatch keeps it; `./hydra invoke` keeps stdout for the
 * response). Callers pass names and fixed words only: never a request body, header value,
 * credential or key — nothing here can redact them after the fact.
 */
public final class Log {
    private Log() {}

    public static void info(String message, String... fields) {
        write("INFO", message, fields);
    }

    public static void warn(String message, String... fields) {
        write("WARN", message, fields);
    }

    public static void error(String message, String... fields) {
        write("ERROR", message, fields);
    }

    private static void write(String level, String message, String... fields) {
        StringWriter w = new StringWriter(128);
        try (JsonGenerator g = JsonStreams.FACTORY.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.now().toString());
            g.writeStringField("level", level);
            g.writeStringField("message", message);
            for (int i = 0; i + 1 < fields.length; i += 2) {
                g.writeStringField(fields[i], fields[i + 1]);
            }
            g.writeEndObject();
        } catch (IOException e) {
            return;
        }
        PrintStream err = System.err;
        err.println(w);
    }
}
