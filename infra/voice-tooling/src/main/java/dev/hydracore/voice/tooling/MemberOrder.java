package dev.hydracore.voice.tooling;

import com.sun.source.tree.BlockTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.SourcePositions;
import com.sun.source.util.Trees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import javax.lang.model.element.Modifier;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * The project's one member order, checked by the build and applied by {@code ./hydra format}:
 * in every class, enum, record and interface body, (enum constants,) static fields, instance
 * fields, initializer blocks, constructors, methods, then nested types. Within a kind, members
 * keep the order their author gave them (a handler reads top to bottom like the contract), so
 * only members out of their kind's place move, each with its comments and annotations.
 *
 * <p>Reads sources with the JDK's own parser (the {@code jdk.compiler} tree API): no dependency.
 */
public final class MemberOrder {
    private MemberOrder() {}

    /** {@code format [--check] <dir>...}: reorders (or, with --check, lists) the Java sources below the dirs. */
    public static void main(String[] args) throws IOException {
        boolean check = args.length > 0 && args[0].equals("--check");
        List<Path> roots = Stream.of(args).skip(check ? 1 : 0).map(Path::of).toList();
        List<Path> files = javaFiles(roots);
        if (check) {
            List<Violation> violations = check(files);
            violations.forEach(v -> System.err.println(v));
            System.exit(violations.isEmpty() ? 0 : 1);
        }
        int changed = apply(files);
        System.err.println("member order: " + changed + " of " + files.size() + " files reordered");
    }

    /** Every {@code .java} file below the roots, outside build output. */
    public static List<Path> javaFiles(List<Path> roots) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path root : roots) {
            try (Stream<Path> s = Files.walk(root)) {
                s.filter(p -> p.toString().endsWith(".java"))
                        .filter(p -> !p.toString().contains("/target/"))
                        .sorted()
                        .forEach(files::add);
            }
        }
        return files;
    }

    public static List<Violation> check(List<Path> files) throws IOException {
        List<Violation> out = new ArrayList<>();
        for (Parsed p : parse(files)) {
            for (ClassTree c : classes(p.unit)) {
                Kind highest = null;
                for (Tree m : bodyMembers(p, c)) {
                    Kind k = kind(c, m);
                    if (highest != null && k.compareTo(highest) < 0) {
                        long pos = p.positions.getStartPosition(p.unit, m);
                        out.add(new Violation(
                                p.file, p.unit.getLineMap().getLineNumber(pos), name(m), k.label, highest.label));
                    }
                    if (highest == null || k.compareTo(highest) > 0) {
                        highest = k;
                    }
                }
            }
        }
        return out;
    }

    /** Reorders the files in place; returns how many changed. */
    public static int apply(List<Path> files) throws IOException {
        int changed = 0;
        for (Parsed p : parse(files)) {
            String out = reorder(p);
            if (!out.equals(p.source)) {
                Files.writeString(p.file, out, StandardCharsets.UTF_8);
                changed++;
            }
        }
        return changed;
    }

    private static List<Parsed> parse(List<Path> files) throws IOException {
        if (files.isEmpty()) {
            return List.of();
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            Iterable<? extends JavaFileObject> objects = fm.getJavaFileObjectsFromPaths(files);
            JavacTask task = (JavacTask) javac.getTask(null, fm, d -> {}, List.of("-proc:none"), null, objects);
            SourcePositions positions = Trees.instance(task).getSourcePositions();
            List<Parsed> out = new ArrayList<>();
            for (CompilationUnitTree unit : task.parse()) {
                Path file = Path.of(unit.getSourceFile().toUri());
                out.add(new Parsed(file, Files.readString(file, StandardCharsets.UTF_8), unit, positions));
            }
            return out;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Every class body in the unit, outermost first. */
    private static List<ClassTree> classes(CompilationUnitTree unit) {
        List<ClassTree> out = new ArrayList<>();
        for (Tree t : unit.getTypeDecls()) {
            if (t instanceof ClassTree c) {
                collect(c, out);
            }
        }
        return out;
    }

    private static void collect(ClassTree c, List<ClassTree> out) {
        out.add(c);
        for (Tree m : c.getMembers()) {
            if (m instanceof ClassTree inner) {
                collect(inner, out);
            }
        }
    }

    private static Kind kind(ClassTree owner, Tree m) {
        return switch (m) {
            case ClassTree c -> Kind.TYPE;
            case BlockTree b -> Kind.INITIALIZER;
            case MethodTree method -> method.getName().contentEquals("<init>") ? Kind.CONSTRUCTOR : Kind.METHOD;
            case VariableTree v when owner.getKind() == Tree.Kind.ENUM && isEnumConstant(v) -> Kind.ENUM_CONSTANT;
            case VariableTree v
            when owner.getKind() == Tree.Kind.INTERFACE
                    || v.getModifiers().getFlags().contains(Modifier.STATIC) -> Kind.STATIC_FIELD;
            case VariableTree v -> Kind.FIELD;
            default -> Kind.METHOD;
        };
    }

    /** javac's parser writes an enum constant as a field of the enum's type marked {@code /*enum*\/}. */
    private static boolean isEnumConstant(VariableTree v) {
        return v.toString().contains("/*enum*/");
    }

    private static String name(Tree m) {
        return switch (m) {
            case ClassTree c -> c.getSimpleName().toString();
            case MethodTree method ->
                method.getName().contentEquals("<init>") ? "constructor" : method.getName() + "()";
            case VariableTree v -> v.getName().toString();
            default -> "initializer";
        };
    }

    // --- reordering ----------------------------------------------------------------------------------

    private static String reorder(Parsed p) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        for (Tree t : p.unit.getTypeDecls()) {
            if (t instanceof ClassTree c) {
                int start = (int) p.positions.getStartPosition(p.unit, c);
                int end = (int) p.positions.getEndPosition(p.unit, c);
                out.append(p.source, at, start).append(reorderClass(p, c));
                at = end;
            }
        }
        return out.append(p.source, at, p.source.length()).toString();
    }

    /** The class's text with its members (and their nested types' members) in order. */
    private static String reorderClass(Parsed p, ClassTree c) {
        int start = (int) p.positions.getStartPosition(p.unit, c);
        int end = (int) p.positions.getEndPosition(p.unit, c);
        List<Tree> members = new ArrayList<>(bodyMembers(p, c));
        // Each member's chunk runs from just after the previous member's line (or the body's brace)
        // to its own end, so its comments and annotations travel with it. An enum's constants, up to
        // their ';', stay where they are, first.
        int prevEnd = bodyOpen(p, c) + 1;
        while (!members.isEmpty() && kind(c, members.getFirst()) == Kind.ENUM_CONSTANT) {
            prevEnd = (int) p.positions.getEndPosition(p.unit, members.removeFirst());
            if (members.isEmpty() || kind(c, members.getFirst()) != Kind.ENUM_CONSTANT) {
                prevEnd = p.source.indexOf(';', prevEnd) + 1;
            }
        }
        if (members.isEmpty()) {
            return p.source.substring(start, end);
        }
        List<Chunk> chunks = new ArrayList<>();
        for (Tree m : members) {
            int chunkStart = lineAfter(p.source, prevEnd);
            int mEnd = (int) p.positions.getEndPosition(p.unit, m);
            String text = m instanceof ClassTree inner
                    ? p.source.substring(chunkStart, (int) p.positions.getStartPosition(p.unit, inner))
                            + reorderClass(p, inner)
                    : p.source.substring(chunkStart, mEnd);
            chunks.add(new Chunk(kind(c, m), text, chunkStart, mEnd));
            prevEnd = mEnd;
        }
        List<Chunk> sorted =
                chunks.stream().sorted(Comparator.comparing(Chunk::kind)).toList();
        StringBuilder out = new StringBuilder(p.source.substring(start, chunks.getFirst().start));
        boolean moved = !sorted.equals(chunks);
        for (int i = 0; i < sorted.size(); i++) {
            Chunk ch = sorted.get(i);
            String text = ch.text;
            if (moved) {
                // A member keeps the blank line it had before it; a new kind always gets one.
                boolean blank =
                        ch.text.length() != stripLeadingBlankLines(ch.text).length();
                text = stripLeadingBlankLines(text);
                boolean first = i == 0;
                if (first
                        ? chunks.getFirst().text.length()
                                != stripLeadingBlankLines(chunks.getFirst().text)
                                        .length()
                        : blank || ch.kind != sorted.get(i - 1).kind) {
                    out.append('\n');
                }
            }
            out.append(text);
            if (i < sorted.size() - 1) {
                out.append(moved ? "\n" : p.source.substring(ch.end, lineAfter(p.source, ch.end)));
            }
        }
        out.append(p.source, chunks.getLast().end, end);
        return out.toString();
    }

    private static int bodyOpen(Parsed p, ClassTree c) {
        return p.source.indexOf('{', bodyBraceSearchStart(p, c));
    }

    /** The members written in the body: a record's components, which javac lists as fields, are not. */
    private static List<Tree> bodyMembers(Parsed p, ClassTree c) {
        int open = bodyOpen(p, c);
        List<Tree> out = new ArrayList<>();
        for (Tree m : c.getMembers()) {
            if (p.positions.getStartPosition(p.unit, m) > open) {
                out.add(m);
            }
        }
        return out;
    }

    /** Where to look for the class body's opening brace: after the name, type parameters and record header. */
    private static int bodyBraceSearchStart(Parsed p, ClassTree c) {
        int after = (int) p.positions.getEndPosition(p.unit, c.getModifiers());
        after = Math.max(after, (int) p.positions.getStartPosition(p.unit, c));
        for (Tree t : c.getTypeParameters()) {
            after = Math.max(after, (int) p.positions.getEndPosition(p.unit, t));
        }
        for (Tree t : c.getImplementsClause()) {
            after = Math.max(after, (int) p.positions.getEndPosition(p.unit, t));
        }
        if (c.getExtendsClause() != null) {
            after = Math.max(after, (int) p.positions.getEndPosition(p.unit, c.getExtendsClause()));
        }
        for (Tree t : c.getPermitsClause()) {
            after = Math.max(after, (int) p.positions.getEndPosition(p.unit, t));
        }
        if (c.getKind() == Tree.Kind.RECORD) {
            // The record header's components are members too (as fields); the body brace follows the ')'.
            int paren = p.source.indexOf('(', after);
            after = Math.max(after, matching(p.source, paren));
        }
        return after;
    }

    private static int matching(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '(') {
                depth++;
            } else if (ch == ')' && --depth == 0) {
                return i;
            }
        }
        return open;
    }

    /** The position after the end of the line {@code pos} is on, if the rest of it is blank or a comment. */
    private static int lineAfter(String s, int pos) {
        int nl = s.indexOf('\n', pos);
        if (nl < 0) {
            return pos;
        }
        String rest = s.substring(pos, nl).strip();
        return rest.isEmpty() || rest.startsWith("//") ? nl + 1 : pos;
    }

    private static String stripLeadingBlankLines(String text) {
        int i = 0;
        while (true) {
            int nl = text.indexOf('\n', i);
            if (nl < 0 || !text.substring(i, nl).isBlank()) {
                return text.substring(i);
            }
            i = nl + 1;
        }
    }

    /** The kinds, in their order. */
    enum Kind {
        ENUM_CONSTANT("enum constants"),
        STATIC_FIELD("static fields"),
        FIELD("instance fields"),
        INITIALIZER("initializer blocks"),
        CONSTRUCTOR("constructors"),
        METHOD("methods"),
        TYPE("nested types");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** A member out of place: where it is and what must come after it. */
    public record Violation(Path file, long line, String member, String kind, String before) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + member + " (" + kind + ") must come before the " + before + " above it";
        }
    }

    // --- parsing -----------------------------------------------------------------------------------

    private record Parsed(Path file, String source, CompilationUnitTree unit, SourcePositions positions) {}

    private record Chunk(Kind kind, String text, int start, int end) {}
}
