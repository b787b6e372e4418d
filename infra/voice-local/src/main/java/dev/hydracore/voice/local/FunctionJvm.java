package dev.hydracore.voice.local;

import com.amazonaws.services.lambda.runtime.Context;
import dev.hydracore.voice.runner.LambdaRunner;
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
 * The one definition of how a function JVM is started outside Lambda: by {@code ./hydra local}
 * (runner {@code --serve}), {@code ./hydra invoke} (runner {@code --once}) and {@code ./hydra bench}
 * (its timed cold starts and the AOT cache's training run are runner {@code --once} too):
 *
 * <pre>
 * java &lt;infra/jvm-options&gt; -XX:MaxRAM=&lt;MemorySize&gt;m [-XX:AOTCache=&lt;cache&gt;] [extra options]
 *      -cp &lt;function's -lambda.jar&gt;:&lt;voice-runner jar&gt;:&lt;aws-lambda-java-core jar&gt;
 *      dev.hydracore.voice.runner.LambdaRunner --once &lt;event&gt; | --serve
 * </pre>
 *
 * The AOT cache ({@code <CodeUri>/target/<module>.aot}) is added when it is usable: it exists, it
 * was trained by {@link #trainingCommand} with this very JDK build, these options and this
 * classpath (its {@code .aot.jdk} stamp says so), and no classpath entry is newer than it. A JVM
 * rejects a cache whose classpath does not match its training run, so the training command is this
 * command with {@code -XX:AOTCacheOutput} in place of {@code -XX:AOTCache}. infra/jvm-options sends
 * JVM log output (an AOT cache it rejects, for one) to stderr, never into the runner's stdout protocol.
 */
public final class FunctionJvm {
    private final List<String> jvmOptions;
    private final Function<LocalFunction, List<Path>> code;
    private final Function<LocalFunction, Path> aotCache;
    private final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    /**
     * @param code     a function's own classpath entries (its -lambda.jar; class directories in tests)
     * @param aotCache where a function's AOT cache is (whether or not it exists)
     */
    public FunctionJvm(List<String> jvmOptions, Function<LocalFunction, List<Path>> code, Function<LocalFunction, Path> aotCache) {
        this.jvmOptions = List.copyOf(jvmOptions);
        this.code = code;
        this.aotCache = aotCache;
    }

    /** The project's functions: infra/jvm-options, the packaged -lambda.jar, {@code <CodeUri>/target/<module>.aot}. */
    public static FunctionJvm forProject(Path root) {
        return new FunctionJvm(JvmOptions.read(root), f -> List.of(FunctionCode.lambdaJar(root, f)),
                f -> root.resolve(f.codeUri()).resolve("target").resolve(f.module() + ".aot"));
    }

    public Path aotCache(LocalFunction function) {
        return aotCache.apply(function);
    }

    /** The function's code first, then the runner shim and the Lambda interfaces the runtime provides. */
    public List<String> classpath(LocalFunction function) {
        List<String> classpath = new ArrayList<>();
        code.apply(function).forEach(p -> classpath.add(p.toString()));
        classpath.add(location(LambdaRunner.class).toString());
        classpath.add(location(Context.class).toString());
        return classpath;
    }

    /** The function JVM's command, with its AOT cache when one is usable. */
    public List<String> command(LocalFunction function, List<String> extraOptions, String... runnerArgs) {
        Optional<Path> cache = usableAotCache(function);
        return build(function, cache.map(c -> "-XX:AOTCache=" + c), extraOptions, runnerArgs);
    }

    /** The same command without any AOT cache ({@code ./hydra bench --no-aot}). */
    public List<String> commandWithoutAot(LocalFunction function, List<String> extraOptions, String... runnerArgs) {
        return build(function, Optional.empty(), extraOptions, runnerArgs);
    }

    /** The AOT training run: {@link #command} with {@code -XX:AOTCacheOutput}; the cache is written at exit. */
    public List<String> trainingCommand(LocalFunction function, String... runnerArgs) {
        return build(function, Optional.of("-XX:AOTCacheOutput=" + aotCache(function)), List.of(), runnerArgs);
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
            if (!Files.isRegularFile(cache) || !Files.isRegularFile(stamp) || !Files.readString(stamp).equals(identity(function))) {
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
                + String.join(" ", options(function, true)) + "\n" + String.join(File.pathSeparator, classpath(function)) + "\n";
    }

    private List<String> build(LocalFunction function, Optional<String> aotOption, List<String> extraOptions, String... runnerArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(options(function, aotOption.isPresent()));
        aotOption.ifPresent(cmd::add);
        cmd.addAll(extraOptions);
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, classpath(function)));
        cmd.add(LambdaRunner.class.getName());
        cmd.addAll(List.of(runnerArgs));
        return cmd;
    }

    private List<String> options(LocalFunction function, boolean aot) {
        List<String> out = new ArrayList<>(jvmOptions);
        if (aot) {
            out.removeIf(o -> o.startsWith("-Xshare:")); // JDK 25 refuses them together with AOT options
        }
        // The container's memory limit, as Lambda sizes the JVM from MemorySize.
        out.add("-XX:MaxRAM=" + function.memoryMb() + "m");
        return out;
    }

    private static Path stamp(Path cache) {
        return cache.resolveSibling(cache.getFileName() + ".jdk");
    }

    static Path location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new UncheckedIOException(new IOException("cannot locate " + type, e));
        }
    }
}
