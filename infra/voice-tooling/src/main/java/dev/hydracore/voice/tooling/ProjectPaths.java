package dev.hydracore.voice.tooling;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the project's own files are: found from the working directory, or -Dhydra.root. */
public final class ProjectPaths {
    private ProjectPaths() {}

    public static Path root() {
        String explicit = System.getProperty("hydra.root", System.getenv("HYDRA_ROOT"));
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("template.yaml")) && Files.isRegularFile(p.resolve("hydra"))) {
                return p;
            }
        }
        throw new IllegalStateException(
                "cannot find the project root (template.yaml + hydra) above " + dir + "; set HYDRA_ROOT");
    }

    public static Path template() {
        return root().resolve("template.yaml");
    }

    /** The project's Python virtualenv (made by ./hydra and .ci/run from requirements.txt). */
    public static Path python() {
        String explicit = System.getenv("HYDRA_PYTHON");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        Path venv = root().resolve(".venv/bin/python");
        if (!Files.isExecutable(venv)) {
            throw new IllegalStateException("no project virtualenv at " + venv
                    + ": run ./hydra setup (or .ci/run) to create it from requirements.txt");
        }
        return venv;
    }

    /**
     * The Python of MiniStack's own virtualenv (.venv-ministack, made by ./hydra and .ci/run from
     * requirements-ministack.txt): MiniStack pins a botocore that .venv's moto and boto3 cannot share.
     */
    public static Path ministackPython() {
        String explicit = System.getenv("HYDRA_MINISTACK_PYTHON");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        Path venv = root().resolve(".venv-ministack/bin/python");
        if (!Files.isExecutable(venv)) {
            throw new IllegalStateException("no MiniStack virtualenv at " + venv
                    + ": run ./hydra setup (or .ci/run) to create it from requirements-ministack.txt");
        }
        return venv;
    }
}
