package dev.hydracore.voice.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The bench's own classes for child JVMs, as small jars holding one package each (and no
 * dependency): a jar rather than a directory because an AOT cache covers jars only. Written
 * byte-for-byte reproducibly and only when the content changed, so the jar's timestamp (which an
 * AOT cache checks) moves only when the code does.
 */
final class TinyJars {
    private static final long FIXED_TIME = 946_684_800_000L; // 2000-01-01

    private TinyJars() {}

    static Path write(Path jar, Class<?> anchor, Map<String, String> resources) {
        try {
            Path classes = Path.of(
                    anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
            String pkg = anchor.getPackageName().replace('.', '/');
            Map<String, byte[]> entries = new TreeMap<>();
            try (Stream<Path> files = Files.list(classes.resolve(pkg))) {
                for (Path f : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                    entries.put(pkg + "/" + f.getFileName(), Files.readAllBytes(f));
                }
            }
            resources.forEach((name, text) -> entries.put(name, text.getBytes(StandardCharsets.UTF_8)));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
                for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                    ZipEntry z = new ZipEntry(e.getKey());
                    z.setTime(FIXED_TIME);
                    zip.putNextEntry(z);
                    zip.write(e.getValue());
                    zip.closeEntry();
                }
            }
            byte[] content = bytes.toByteArray();
            if (!Files.isRegularFile(jar) || !Arrays.equals(Files.readAllBytes(jar), content)) {
                Files.createDirectories(jar.getParent());
                Files.write(jar, content);
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
