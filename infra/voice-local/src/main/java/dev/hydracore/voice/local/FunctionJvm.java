package dev.hydracore.voice.local;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one definition of how a function JVM is started outside Lambda: by {@code ./hydra local},
 * {@code ./hydra invoke}, {@code ./hydra bench}'s timed cold starts and the AOT cache's training
 * run. As Lambda's java runtime does, it runs AWS's runtime interface client with the handler
 * string, in the function's task root (the unpacked deployable package), against the execution
 * environment's Runtime API ({@code AWS_LAMBDA_RUNTIME_API}, set by {@link FunctionLauncher}):
 *
 * <pre>
 * java &lt;infra/jvm-options&gt; -XX:MaxRAM=&lt;MemorySize&gt;m [-XX:AOTCache=&lt;cache&gt;] [extra options]
 *      --enable-native-access=ALL-UNNAMED -Dorg.crac.Core.Compat=com.amazonaws.services.lambda.crac
 *      -D...NativeClient.JNI=&lt;the client's JNI library, extracted once&gt;
 *      -cp &lt;runtime client jars&gt;[:&lt;task root&gt;/lib/&lt;function jar&gt;]
 *      com.amazonaws.services.lambda.runtime.api.client.AWSLambda &lt;Handler&gt;      (working directory: the task root)
 * </pre>
 *
 * The client loads the handler through its own class loader over the task root; with the
 * function's jar also on {@code -cp} (the default, {@link #codeOnClasspath}) the application class
 * loader finds those classes first, which a JDK AOT cache serves almost entirely (the client's
 * loader it serves only in part): ./hydra bench measures both.
 *
 * <p>The AOT cache ({@code <CodeUri>/target/<module>.aot}) is added when it is usable: it exists, it
 * was trained by {@link #trainingCommand} with this very JDK build, these options and this
 * classpath (its {@code .aot.jdk} stamp says so), and no classpath entry is newer than it. A JVM
 * rejects a cache whose classpath does not match its training run, so the training command is this
 * command with {@code -XX:AOTCacheOutput} in place of {@code -XX:AOTCache}. infra/jvm-options sends
 * JVM log output to stderr.
 */
public final class FunctionJvm {
    private final List<String> jvmOptions;
    private final Function<LocalFunction, List<Path>> code;
    private final Function<LocalFunction, Path> taskRoot;
    private final Function<LocalFunction, Path> aotCache;
    private final boolean codeOnClasspath;
    private final String java =
            Path.of(System.getProperty("java.home"), "bin", "java").toString();

    /**
     * @param code     a function's own classpath entries (its task root's jar; class directories in tests)
     * @param taskRoot a function's task root (its working directory; what the client's class loader reads)
     * @param aotCache where a function's AOT cache is (whether or not it exists)
     */
    public FunctionJvm(
            List<String> jvmOptions,
            Function<LocalFunction, List<Path>> code,
            Function<LocalFunction, Path> taskRoot,
            Function<LocalFunction, Path> aotCache,
            boolean codeOnClasspath) {
        this.jvmOptions = List.copyOf(jvmOptions);
        this.code = code;
        this.taskRoot = taskRoot;
        this.aotCache = aotCache;
        this.codeOnClasspath = codeOnClasspath;
    }

    /** Test functions: the task root is the first code entry when it is a class directory. */
    public FunctionJvm(
            List<String> jvmOptions, Function<LocalFunction, List<Path>> code, Function<LocalFunction, Path> aotCache) {
        this(
                jvmOptions,
                code,
                f -> {
                    Path first = code.apply(f).getFirst();
                    return Files.isDirectory(first) ? first : first.getParent();
                },
                aotCache,
                true);
    }

    /** The project's functions: infra/jvm-options, the unpacked package, {@code <CodeUri>/target/<module>.aot}. */
    public static FunctionJvm forProject(Path root) {
        return new FunctionJvm(
                JvmOptions.read(root),
                f -> List.of(FunctionCode.taskJar(root, f)),
                f -> FunctionCode.taskRoot(root, f),
                f -> root.resolve(f.codeUri()).resolve("target").resolve(f.module() + ".aot"),
                true);
    }

    /** The same JVMs with the function's code on {@code -cp} or only in the task root (the client's class loader). */
    public FunctionJvm withCodeOnClasspath(boolean onClasspath) {
        return new FunctionJvm(jvmOptions, code, taskRoot, aotCache, onClasspath);
    }

    public boolean codeOnClasspath() {
        return codeOnClasspath;
    }

    /** The function JVM's working directory, as Lambda's {@code /var/task}. */
    public Path taskRoot(LocalFunction function) {
        return taskRoot.apply(function);
    }

    public Path aotCache(LocalFunction function) {
        return aotCache.apply(function);
    }

    /** The runtime client's jars (what Lambda's runtime provides), then the function's code when on -cp. */
    public List<String> classpath(LocalFunction function) {
        List<String> classpath = new ArrayList<>();
        RuntimeClient.jars().forEach(p -> classpath.add(p.toString()));
        if (codeOnClasspath) {
            code.apply(function).forEach(p -> classpath.add(p.toString()));
        }
        return classpath;
    }

    /** The function JVM's command, with its AOT cache when one is usable. */
    public List<String> command(LocalFunction function, List<String> extraOptions) {
        Optional<Path> cache = usableAotCache(function);
        return build(function, cache.map(c -> "-XX:AOTCache=" + c), extraOptions);
    }

    /** The same command without any AOT cache ({@code ./hydra bench --no-aot}). */
    public List<String> commandWithoutAot(LocalFunction function, List<String> extraOptions) {
        return build(function, Optional.empty(), extraOptions);
    }

    /** The AOT training run: {@link #command} with {@code -XX:AOTCacheOutput}; the cache is written at exit. */
    public List<String> trainingCommand(LocalFunction function) {
        return build(function, Optional.of("-XX:AOTCacheOutput=" + aotCache(function)), List.of());
    }

    /** After a training run: records what the cache was made with, which {@link #usableAotCache} checks. */
    public void recordTraining(LocalFunction function) {
        Path cache = aotCache(function);
        try {
            if (Files.isRegularFile(cache)) {
                Files.writeString(stamp(cache), identity(function));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The function's AOT cache, when it exists and matches this JDK, these options and this classpath. */
    public Optional<Path> usableAotCache(LocalFunction function) {
        Path cache = aotCache(function);
        Path stamp = stamp(cache);
        try {
            if (!Files.isRegularFile(cache)
                    || !Files.isRegularFile(stamp)
                    || !Files.readString(stamp).equals(identity(function))) {
                return Optional.empty();
            }
            long made = Files.getLastModifiedTime(cache).toMillis();
            for (String entry : classpath(function)) {
                Path p = Path.of(entry);
                if (!Files.exists(p) || Files.getLastModifiedTime(p).toMillis() > made) {
                    return Optional.empty();
                }
            }
            return Optional.of(cache);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** What a cache is valid for: this JDK build, the options, the classpath. */
    String identity(LocalFunction function) {
        return java + " " + Runtime.version() + " " + System.getProperty("java.vm.version") + "\n"
                + String.join(" ", options(function, true)) + "\n"
                + String.join(File.pathSeparator, classpath(function)) + "\n";
    }

    private List<String> build(LocalFunction function, Optional<String> aotOption, List<String> extraOptions) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(options(function, aotOption.isPresent()));
        aotOption.ifPresent(cmd::add);
        cmd.addAll(extraOptions);
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, classpath(function)));
        cmd.add(RuntimeClient.MAIN_CLASS);
        cmd.add(function.handler());
        return cmd;
    }

    private List<String> options(LocalFunction function, boolean aot) {
        List<String> out = new ArrayList<>(jvmOptions);
        if (aot) {
            out.removeIf(o -> o.startsWith("-Xshare:")); // JDK 25 refuses them together with AOT options
        }
        // The container's memory limit, as Lambda sizes the JVM from MemorySize.
        out.add("-XX:MaxRAM=" + function.memoryMb() + "m");
        out.addAll(RuntimeClient.jvmOptions());
        return out;
    }

    private static Path stamp(Path cache) {
        return cache.resolveSibling(cache.getFileName() + ".jdk");
    }

    static Path location(Class<?> type) {
        try {
            return Path.of(
                    type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new UncheckedIOException(new IOException("cannot locate " + type, e));
        }
    }
}
