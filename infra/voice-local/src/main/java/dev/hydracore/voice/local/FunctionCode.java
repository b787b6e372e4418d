package dev.hydracore.voice.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where a function's deployable code is: the jar its module's {@code mvn package} makes,
 * {@code <CodeUri>/target/*-lambda.jar} — the same file sam build and a deploy ship.
 */
public final class FunctionCode {
    private FunctionCode() {}

    public static Path lambdaJar(Path root, LocalFunction function) {
        Path target = root.resolve(function.codeUri()).resolve("target");
        List<Path> jars;
        try (Stream<Path> s = Files.isDirectory(target) ? Files.list(target) : Stream.empty()) {
            jars = s.filter(p -> p.getFileName().toString().endsWith("-lambda.jar")).sorted().toList();
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
}
