package dev.hydracore.voice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.tooling.CfnTemplate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A function as template.yaml declares it (a resource of type AWS::Serverless::Function) and where
 * its files are by convention: the jar {@code <CodeUri>/target/*-lambda.jar} (the shade plugin's
 * {@code <artifactId>[-<version>]-lambda.jar}, entries stored: the classpath of local runs), the
 * deployable package {@code <CodeUri>/target/*-lambda.zip} ({@code lib/<that jar>}) and the sample
 * event {@code events/<module>.json}, where {@code <module>} is the CodeUri's last path element (the
 * AOT cache's place and use are voice-local's {@code FunctionJvm}'s).
 */
public record LambdaFunction(String logicalId, String handler, String codeUri, List<Route> routes, Path root) {

    public static List<LambdaFunction> discover(Path root, CfnTemplate template) {
        List<LambdaFunction> out = new ArrayList<>();
        JsonNode globals = template.root().path("Globals").path("Function");
        template.resources("AWS::Serverless::Function").forEach((id, r) -> {
            JsonNode p = r.path("Properties");
            String handler = p.path("Handler").asText(globals.path("Handler").asText(""));
            String codeUri = p.path("CodeUri").asText(globals.path("CodeUri").asText(""));
            List<Route> routes = new ArrayList<>();
            p.path("Events").properties().forEach(e -> {
                JsonNode ev = e.getValue();
                if (ev.path("Type").asText().equals("HttpApi")) {
                    routes.add(new Route(
                            ev.path("Properties").path("Method").asText("ANY").toUpperCase(java.util.Locale.ROOT),
                            ev.path("Properties").path("Path").asText("")));
                }
            });
            out.add(new LambdaFunction(id, handler, codeUri, List.copyOf(routes), root));
        });
        return out;
    }

    public String module() {
        String u = codeUri.endsWith("/") ? codeUri.substring(0, codeUri.length() - 1) : codeUri;
        return u.substring(u.lastIndexOf('/') + 1);
    }

    public String handlerClass() {
        int sep = handler.indexOf("::");
        return sep < 0 ? handler : handler.substring(0, sep);
    }

    public Path moduleDir() {
        return root.resolve(codeUri);
    }

    /** The function's jar (what runs it locally), or empty when the module is not packaged. */
    public Optional<Path> lambdaJar() {
        return newestInTarget("-lambda.jar");
    }

    /** The deployable package (the jar under {@code lib/}, deflated), or empty when not packaged. */
    public Optional<Path> lambdaZip() {
        return newestInTarget("-lambda.zip");
    }

    private Optional<Path> newestInTarget(String suffix) {
        Path target = moduleDir().resolve("target");
        if (!Files.isDirectory(target)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix))
                    .max(Comparator.comparingLong(LambdaFunction::mtime));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path sampleEvent() {
        return root.resolve("events").resolve(module() + ".json");
    }

    public boolean serves(String method, String path) {
        return routes.stream()
                .anyMatch(r -> r.method().equals(method) && r.path().equals(path));
    }

    static long mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    public record Route(String method, String path) {}
}
