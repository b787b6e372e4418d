package dev.hydracore.voice.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * AWS's runtime interface client for Java ({@code com.amazonaws:aws-lambda-java-runtime-interface-client},
 * a dependency of the local runtime only, never of a function): the jars a function JVM runs it
 * from, its main class, and its JNI library extracted once per client version. Left to itself the
 * client copies that library to the fixed path {@code /tmp/.libaws-lambda-jni.so} in every JVM it
 * starts, which concurrent JVMs (and other users) overwrite under each other; the system property
 * {@value #JNI_PROPERTY} points it at our copy instead.
 */
public final class RuntimeClient {
    public static final String MAIN_CLASS = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
    /** The client's own switch for a pre-extracted JNI library (JniHelper). */
    public static final String JNI_PROPERTY =
            "com.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI";
    /** With a plain OpenJDK, org.crac's hooks reach the client's CRaC implementation only through this. */
    public static final String CRAC_COMPAT = "-Dorg.crac.Core.Compat=com.amazonaws.services.lambda.crac";

    /** Classes whose jars the client needs: itself, aws-lambda-java-core, -serialization, the SDK's utils-lite. */
    private static final List<String> JAR_CLASSES = List.of(
            MAIN_CLASS,
            "com.amazonaws.services.lambda.runtime.Context",
            "com.amazonaws.services.lambda.runtime.serialization.PojoSerializer",
            "software.amazon.awssdk.utilslite.SdkInternalThreadLocal");

    private static volatile Path jniLibrary;

    private RuntimeClient() {}

    /** The client's classpath (without the function's code). */
    public static List<Path> jars() {
        List<Path> out = new ArrayList<>();
        for (String name : JAR_CLASSES) {
            Path p = location(name);
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /** The options every function JVM runs the client with: JNI allowed, CRaC hooks wired, our JNI copy. */
    public static List<String> jvmOptions() {
        return List.of("--enable-native-access=ALL-UNNAMED", CRAC_COMPAT, "-D" + JNI_PROPERTY + "=" + jniLibrary());
    }

    /**
     * The client's JNI library for this machine, extracted once into a directory of this user's,
     * named by the client jar's size and time (so a new client version gets a new copy), and
     * moved into place atomically so concurrent first uses never see half a file.
     */
    public static synchronized Path jniLibrary() {
        if (jniLibrary != null && Files.isRegularFile(jniLibrary)) {
            return jniLibrary;
        }
        Path jar = location(MAIN_CLASS);
        String entry = "jni/libaws-lambda-jni." + platform() + ".so";
        try (JarFile jf = new JarFile(jar.toFile())) {
            ZipEntry e = jf.getEntry(entry);
            if (e == null) {
                throw new IllegalStateException("the runtime interface client has no JNI library for " + platform());
            }
            String version = Long.toHexString(Files.size(jar)) + "-" + Long.toHexString(e.getCrc());
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), "hydra-ric-" + user(), version);
            Path lib = dir.resolve("libaws-lambda-jni.so");
            if (!Files.isRegularFile(lib) || Files.size(lib) != e.getSize()) {
                Files.createDirectories(
                        dir.getParent(),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, "lib", ".tmp");
                try (InputStream in = jf.getInputStream(e)) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            jniLibrary = lib;
            return lib;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the runtime interface client's JNI library from " + jar, e);
        }
    }

    private static String platform() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String cpu = arch.equals("aarch64") || arch.equals("arm64") ? "aarch_64" : "x86_64";
        boolean musl =
                Files.exists(Path.of("/lib/ld-musl-x86_64.so.1")) || Files.exists(Path.of("/lib/ld-musl-aarch64.so.1"));
        return (musl ? "linux_musl-" : "linux-") + cpu;
    }

    private static String user() {
        String name = System.getProperty("user.name", "user");
        return HexFormat.of().formatHex(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** A class's jar, without initializing the class (the client's main class changes security settings when initialized). */
    private static Path location(String className) {
        try {
            Class<?> type = Class.forName(className, false, RuntimeClient.class.getClassLoader());
            return FunctionJvm.location(type);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(
                    "the local runtime's classpath lacks " + className
                            + " (aws-lambda-java-runtime-interface-client and its dependencies)",
                    e);
        }
    }
}
