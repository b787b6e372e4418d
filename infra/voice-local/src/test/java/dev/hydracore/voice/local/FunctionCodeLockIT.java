package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task root is unpacked by one process at a time: ./hydra test starts two ./hydra local side by
 * side on a fresh tree, and a second unpacking would delete the task root the first one's function
 * JVMs were just started on. The child process here ({@link #main}) unpacks while this JVM holds the
 * module's lock, and must wait for it.
 */
class FunctionCodeLockIT {
    private static final LocalFunction FUNCTION = new LocalFunction(
            "Demo", "demo.Handler::handleRequest", "functions/demo", 256, 10, List.of(), InitType.ON_DEMAND);

    /** The child: unpack FUNCTION's task root under the root given, then print its jar. */
    public static void main(String[] args) {
        System.out.println("unpacked " + FunctionCode.taskJar(Paths.get(args[0]), FUNCTION));
    }

    @Test
    void anotherProcessWaitsForTheUnpackingLockAndThenFindsTheTaskRootWhole(@TempDir Path root) throws Exception {
        Path target = Files.createDirectories(root.resolve("functions/demo/target"));
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(target.resolve("demo-lambda.zip")))) {
            zip.putNextEntry(new ZipEntry("lib/demo-lambda.jar"));
            zip.write("not a real jar".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        Process child;
        try (FileChannel channel = FileChannel.open(
                        FunctionCode.lockFile(target), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock held = channel.lock()) {
            String java = ProcessHandle.current().info().command().orElseThrow();
            child = new ProcessBuilder(
                            java,
                            "-cp",
                            System.getProperty("java.class.path"),
                            FunctionCodeLockIT.class.getName(),
                            root.toString())
                    .redirectErrorStream(true)
                    .start();
            try {
                assertFalse(
                        child.waitFor(3, TimeUnit.SECONDS),
                        () -> "the child unpacked while another process held the lock: " + output(child));
                assertFalse(Files.exists(target.resolve("lambda-task")), "nothing unpacked under another's lock");
            } catch (AssertionError | RuntimeException e) {
                child.destroyForcibly();
                throw e;
            }
        }
        try {
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child unpacks once the lock is released");
            String out = output(child);
            assertEquals(0, child.exitValue(), out);
            assertTrue(out.contains("unpacked " + target.resolve("lambda-task/lib/demo-lambda.jar")), out);
        } finally {
            child.destroyForcibly();
        }
        // And this process, finding the stamp the child wrote, keeps the child's task root.
        Path stamp = target.resolve("lambda-task/.unpacked");
        long before = Files.getLastModifiedTime(stamp).toMillis();
        assertEquals(target.resolve("lambda-task"), FunctionCode.taskRoot(root, FUNCTION));
        assertEquals(before, Files.getLastModifiedTime(stamp).toMillis());
    }

    private static String output(Process ended) {
        try {
            return new String(ended.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "(output unreadable: " + e + ")";
        }
    }
}
