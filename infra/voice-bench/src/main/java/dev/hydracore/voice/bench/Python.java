package dev.hydracore.voice.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The Python original's status route: {@code .venv/bin/python <root>/../shared/bench/python_status_baseline.py}. */
record Python(Path interpreter, Path script) {
    static Path scriptOf(Path root) {
        return root.toAbsolutePath().getParent().resolve("shared/bench/python_status_baseline.py").normalize();
    }

    static Python find(Path root) {
        Path py = root.resolve(".venv/bin/python");
        Path script = scriptOf(root);
        return Files.isExecutable(py) && Files.isRegularFile(script) ? new Python(py, script) : null;
    }

    static String describeMissing(Path root) {
        return Files.isExecutable(root.resolve(".venv/bin/python")) ? "missing " + scriptOf(root)
                : "no .venv (./hydra setup)";
    }

    List<String> command() {
        return List.of(interpreter.toString(), script.toString());
    }
}
