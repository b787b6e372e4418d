package dev.hydracore.voice.tooling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The project's one member order holds in every Java source, and the reorderer restores it. */
class MemberOrderTest {

    @Test
    void everySourceOfTheProjectIsInOrder() throws Exception {
        Path root = ProjectPaths.root();
        List<Path> files = MemberOrder.javaFiles(List.of(root.resolve("functions"), root.resolve("infra")));
        assertTrue(files.size() > 100, "the project's sources were found: " + files.size());
        List<MemberOrder.Violation> violations = MemberOrder.check(files);
        assertTrue(
                violations.isEmpty(),
                () -> "members out of order (./hydra format reorders them):\n"
                        + String.join(
                                "\n", violations.stream().map(Object::toString).toList()));
    }

    @Test
    void reordersKindsAndKeepsEachKindsOwnOrderAndComments(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("Sample.java");
        Files.writeString(file, """
                class Sample {
                    /** b does this. */
                    void b() {}

                    private final int x = 1;
                    static final int A = 1;

                    record Nested(int v) {
                        int twice() { return v * 2; }
                        static final int N = 2;
                    }

                    Sample() {}
                    // a comes after b: authors keep their order within a kind
                    void a() {}
                }
                """);
        assertEquals(
                5,
                MemberOrder.check(List.of(file)).size(),
                MemberOrder.check(List.of(file)).toString());

        assertEquals(1, MemberOrder.apply(List.of(file)));

        assertEquals(List.of(), MemberOrder.check(List.of(file)));
        String out = Files.readString(file);
        List<String> order = List.of(
                "static final int A",
                "private final int x",
                "Sample() {}",
                "/** b does this. */",
                "void b()",
                "// a comes after b",
                "void a()",
                "record Nested",
                "static final int N",
                "int twice()");
        int at = -1;
        for (String s : order) {
            int i = out.indexOf(s);
            assertTrue(i > at, () -> s + " out of place in:\n" + out);
            at = i;
        }
        assertEquals(0, MemberOrder.apply(List.of(file)), "a file in order is left alone");
    }

    @Test
    void enumConstantsStayFirstAndRecordComponentsAreNotMembers(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("E.java");
        Files.writeString(file, """
                enum E {
                    ONE(1), TWO(2);

                    int get() { return v; }

                    private final int v;

                    E(int v) { this.v = v; }

                    record R(int a, String b) { static R of() { return null; } }
                }
                """);
        assertEquals(1, MemberOrder.apply(List.of(file)));
        String out = Files.readString(file);
        assertTrue(out.indexOf("ONE(1), TWO(2);") < out.indexOf("private final int v"), out);
        assertTrue(out.indexOf("private final int v") < out.indexOf("E(int v)"), out);
        assertTrue(out.indexOf("E(int v)") < out.indexOf("int get()"), out);
        assertEquals(List.of(), MemberOrder.check(List.of(file)));
    }
}
