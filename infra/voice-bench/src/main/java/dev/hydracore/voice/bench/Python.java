package dev.hydracore.voice.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The Python original's status route, run the way Lambda's Python runtime runs it: AWS's runtime
 * interface client ({@code awslambdaric}, pinned in requirements.txt) with the handler
 * {@code python_status_baseline.handler}, in {@code <root>/../shared/bench/} as its task root.
 */
record Python(Path interpreter, Path script) {
    static Path scriptOf(Path root) {
        return root.toAbsolutePath()
                .getParent()
                .resolve("shared/bench/python_status_baseline.py")
                .normalize();
    }

    static Python find(Path root) {
        Path py = root.resolve(".venv/bin/python");
        Path script = scriptOf(root);
        return Files.isExecutable(py) && Files.isRegularFile(script) ? new Python(py, script) : null;
    }

    static String describeMissing(Path root) {
        return Files.isExecutable(root.resolve(".venv/bin/python"))
                ? "missing " + scriptOf(root)
                : "no .venv (./hydra setup)";
    }

    List<String> command() {
        return List.of(interpreter.toString(), "-m", "awslambdaric", "python_status_baseline.handler");
    }

    Path taskRoot() {
        return script.getParent();
    }
}
