package dev.hydracore.voice.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The sample events of a function, by convention from its CodeUri's module name:
 * {@code events/<module>.json} (the default for invoke) and any {@code events/<module>-*.json}.
 */
public final class SampleEvents {
    private SampleEvents() {}

    public static Path defaultFor(Path root, LocalFunction function) {
        return root.resolve("events").resolve(function.module() + ".json");
    }

    public static List<Path> of(Path root, LocalFunction function) {
        String module = function.module();
        try (Stream<Path> s = Files.list(root.resolve("events"))) {
            return s.filter(p -> {
                        String n = p.getFileName().toString();
                        return n.equals(module + ".json") || (n.startsWith(module + "-") && n.endsWith(".json"));
                    })
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
