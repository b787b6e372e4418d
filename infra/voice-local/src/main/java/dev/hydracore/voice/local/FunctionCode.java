package dev.hydracore.voice.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Where a function's deployable code is: the jar its module's {@code mvn package} makes,
 * {@code <CodeUri>/target/*-lambda.jar} — the same file sam build and a deploy ship — and the
 * task root Lambda unpacks the package into ({@link #taskRoot}: the deployable zip's contents).
 */
public final class FunctionCode {
    private FunctionCode() {}

    public static Path lambdaJar(Path root, LocalFunction function) {
        Path target = root.resolve(function.codeUri()).resolve("target");
        List<Path> jars;
        try (Stream<Path> s = Files.isDirectory(target) ? Files.list(target) : Stream.empty()) {
            jars = s.filter(p -> p.getFileName().toString().endsWith("-lambda.jar"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (jars.size() != 1) {
            throw new IllegalStateException(function.logicalId() + ": expected one deployable jar " + function.codeUri()
                    + "/target/*-lambda.jar, found " + jars.size() + ". Run ./hydra setup (mvn package); the module"
                    + " declares maven-shade-plugin, which makes it, and infra/voice-local/pom.xml lists the module as a"
                    + " test dependency so that mvn verify packages it before the local runtime's tests");
        }
        return jars.getFirst();
    }

    /**
     * The function's task root, as Lambda's {@code /var/task}: the deployable package
     * {@code <CodeUri>/target/*-lambda.zip} unpacked into {@code <CodeUri>/target/lambda-task/}
     * (so {@code lib/<module>-<version>-lambda.jar}, which the runtime client's class loader and the
     * function JVM's classpath read). Unpacked again whenever the zip is newer.
     */
    public static Path taskRoot(Path root, LocalFunction function) {
        Path target = root.resolve(function.codeUri()).resolve("target");
        Path zip = single(target, "-lambda.zip", function);
        Path dir = target.resolve("lambda-task");
        Path stamp = dir.resolve(".unpacked");
        try {
            // One unpacking at a time: in this JVM, and across processes (./hydra test runs two
            // ./hydra local side by side on a fresh tree), so that no process deletes a task root
            // another process's function JVMs were just started on.
            synchronized (FunctionCode.class) {
                try (FileChannel lock = FileChannel.open(
                                lockFile(target), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileLock held = lock.lock()) {
                    if (Files.isRegularFile(stamp)
                            && Files.readString(stamp)
                                    .equals(zip.getFileName() + " "
                                            + Files.getLastModifiedTime(zip).toMillis())) {
                        return dir;
                    }
                    Path fresh = Files.createTempDirectory(target, "lambda-task.");
                    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
                        for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                            Path out = fresh.resolve(e.getName()).normalize();
                            if (!out.startsWith(fresh)) {
                                throw new IOException("entry outside the package: " + e.getName());
                            }
                            if (e.isDirectory()) {
                                Files.createDirectories(out);
                            } else {
                                Files.createDirectories(out.getParent());
                                Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                            }
                        }
                    }
                    Files.writeString(
                            fresh.resolve(".unpacked"),
                            zip.getFileName() + " "
                                    + Files.getLastModifiedTime(zip).toMillis());
                    deleteTree(dir);
                    Files.move(fresh, dir, StandardCopyOption.ATOMIC_MOVE);
                    return dir;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack " + zip, e);
        }
    }

    /** The file whose lock {@link #taskRoot} holds while it checks and unpacks a module's task root. */
    static Path lockFile(Path target) {
        return target.resolve("lambda-task.lock");
    }

    /** The jar Lambda's java runtime loads from the task root ({@code lib/*.jar}). */
    public static Path taskJar(Path root, LocalFunction function) {
        return single(taskRoot(root, function).resolve("lib"), ".jar", function);
    }

    private static Path single(Path dir, String suffix, LocalFunction function) {
        List<Path> found;
        try (Stream<Path> s = Files.isDirectory(dir) ? Files.list(dir) : Stream.empty()) {
            found = s.filter(p -> p.getFileName().toString().endsWith(suffix))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (found.size() != 1) {
            throw new IllegalStateException(function.logicalId() + ": expected one *" + suffix + " in " + dir
                    + ", found " + found.size() + ". Run ./hydra setup (mvn package)");
        }
        return found.getFirst();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
