package dev.hydracore.voice.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** infra/jvm-options: the fast-start options ./hydra and every local function JVM share. */
public final class JvmOptions {
    private JvmOptions() {}

    public static List<String> read(Path root) {
        Path file = root.resolve("infra/jvm-options");
        try {
            List<String> out = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                int hash = line.indexOf('#');
                String content = (hash < 0 ? line : line.substring(0, hash)).strip();
                if (!content.isEmpty()) {
                    out.addAll(List.of(content.split("\\s+")));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
