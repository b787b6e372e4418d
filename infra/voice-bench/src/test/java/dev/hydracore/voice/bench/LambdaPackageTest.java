package dev.hydracore.voice.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every function's deployable package, as template.yaml lists the functions: packaged, the zip
 * (what sam build ships) at most 10 MiB and holding exactly {@code lib/<its jar>}, the jar (the same
 * bytes local runs use) with every entry stored, the handler inside, the url-connection HTTP client
 * and no other (no Apache, Apache 5, Netty or CRT classes), no SDK service client its template
 * policy does not grant, and nothing left referring to the classes the shade filters trim. Runs in
 * verify, after every function module is packaged (voice-bench is the reactor's last module).
 */
class LambdaPackageTest {
    /** 10 MiB, the way AWS counts Lambda package sizes (its "50 MB" zip limit is 52,428,800 bytes). */
    static final long MAX_BYTES = 10L * 1024 * 1024;

    static final List<String> FORBIDDEN = List.of(
            "org/apache/http/",
            "org/apache/hc/",
            "io/netty/",
            "software/amazon/awssdk/crt/",
            "software/amazon/awssdk/http/apache/",
            "software/amazon/awssdk/http/apache5/",
            "software/amazon/awssdk/http/nio/netty/",
            "software/amazon/awssdk/http/crt/");
    /** What the root pom's shade filters remove from every package (see its lambda-package execution). */
    static final List<Pattern> TRIMMED = List.of(
            Pattern.compile("software/amazon/awssdk/services/[^/]+/[^/]*Async[^/]*"),
            Pattern.compile("software/amazon/awssdk/services/[^/]+/paginators/[^/]*Publisher[^/]*"),
            Pattern.compile("software/amazon/awssdk/services/[^/]+/waiters/[^/]*Async[^/]*"));
    /**
     * The SDK's SdkWarmUp providers name the async client too, but build it only when asked to warm
     * ClientType.ASYNC, which needs an async HTTP client (none is packaged).
     */
    static final Pattern WARM_UP_PROVIDER =
            Pattern.compile("software/amazon/awssdk/services/[^/]+/internal/warmup/[^/]*WarmUpProvider\\.class");

    static final Pattern DESCRIPTOR_CLASS = Pattern.compile("L([\\w/$]+);");
    static final List<String> SERVICES = List.of("dynamodb", "kms", "secretsmanager");

    static Path root;
    static CfnTemplate template;
    static List<LambdaFunction> functions;

    @BeforeAll
    static void load() {
        root = ProjectPaths.root();
        template = CfnTemplate.load(root.resolve("template.yaml"));
        functions = LambdaFunction.discover(root, template);
    }

    @Test
    void theTemplateDeclaresFunctions() {
        assertFalse(functions.isEmpty());
        assertTrue(functions.stream().anyMatch(f -> f.logicalId().equals("VoiceStatusFunction")));
    }

    @TestFactory
    List<DynamicTest> everyFunctionPackageIsLean() {
        List<DynamicTest> tests = new ArrayList<>();
        for (LambdaFunction fn : functions) {
            tests.add(DynamicTest.dynamicTest(fn.logicalId(), () -> check(fn)));
        }
        return tests;
    }

    static void check(LambdaFunction fn) throws IOException {
        Path jar = fn.lambdaJar()
                .orElseThrow(() -> new AssertionError(fn.logicalId() + ": no " + fn.codeUri()
                        + "/target/*-lambda.jar; run mvn verify (voice-bench must stay the last module)"));
        Path pkg = fn.lambdaZip()
                .orElseThrow(
                        () -> new AssertionError(
                                fn.logicalId() + ": no " + fn.codeUri()
                                        + "/target/*-lambda.zip; the function's pom declares maven-antrun-plugin after maven-shade-plugin"));
        long size = Files.size(pkg);
        System.out.printf(
                Locale.ROOT,
                "%-22s package %s %,11d bytes (%5.2f MiB); jar (stored) %,11d bytes%n",
                fn.logicalId(),
                pkg.getFileName(),
                size,
                size / 1048576.0,
                Files.size(jar));
        assertTrue(
                size <= MAX_BYTES,
                fn.logicalId() + ": package " + pkg.getFileName() + " is " + size + " bytes, over " + MAX_BYTES
                        + "; exclude the SDK service modules its policy does not grant (see voice-status's pom)");
        try (ZipFile zip = new ZipFile(pkg.toFile())) {
            List<String> files = zip.stream()
                    .filter(e -> !e.isDirectory())
                    .map(ZipEntry::getName)
                    .toList();
            assertEquals(
                    List.of("lib/" + jar.getFileName()),
                    files,
                    fn.logicalId() + ": the package holds the function's jar under lib/ and nothing else");
            try (var in = zip.getInputStream(zip.getEntry(files.get(0)))) {
                assertTrue(
                        Arrays.equals(Files.readAllBytes(jar), in.readAllBytes()),
                        fn.logicalId() + ": " + pkg.getFileName() + " holds a different " + jar.getFileName());
            }
        }
        Set<String> entries = new HashSet<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                entries.add(entry.getName());
                assertEquals(
                        ZipEntry.STORED,
                        entry.getMethod(),
                        fn.logicalId() + ": " + entry.getName() + " is compressed in " + jar.getFileName()
                                + " (the package compresses the jar as a whole)");
            }
            Set<String> forbidden = new TreeSet<>();
            for (String name : entries) {
                FORBIDDEN.stream().filter(name::startsWith).findFirst().ifPresent(forbidden::add);
            }
            assertEquals(Set.of(), forbidden, fn.logicalId() + " packages HTTP clients it does not use");
            assertTrue(
                    entries.contains(fn.handlerClass().replace('.', '/') + ".class"),
                    fn.logicalId() + ": handler class " + fn.handlerClass() + " is not in " + jar.getFileName());
            assertTrue(
                    entries.contains("software/amazon/awssdk/http/urlconnection/UrlConnectionHttpClient.class"),
                    fn.logicalId() + ": the url-connection HTTP client is missing");

            Set<String> granted = grantedServices(fn);
            for (String service : SERVICES) {
                boolean packaged = entries.stream()
                        .anyMatch(n -> n.startsWith("software/amazon/awssdk/services/" + service + "/"));
                assertFalse(
                        packaged && !granted.contains(service),
                        fn.logicalId() + " packages the " + service
                                + " client but its policy grants no " + service
                                + " action: exclude software.amazon.awssdk:"
                                + service + " from its lambda-package (artifactSet)");
            }

            Set<String> dangling = new TreeSet<>();
            for (String name : entries) {
                if (!name.endsWith(".class")
                        || name.startsWith("META-INF/")
                        || WARM_UP_PROVIDER.matcher(name).matches()) {
                    continue;
                }
                for (String ref :
                        referencedClasses(zip.getInputStream(zip.getEntry(name)).readAllBytes())) {
                    if (!entries.contains(ref + ".class")
                            && TRIMMED.stream().anyMatch(p -> p.matcher(ref).matches())) {
                        dangling.add(name + " -> " + ref);
                    }
                }
            }
            assertEquals(Set.of(), dangling, fn.logicalId() + ": classes refer to what the shade filters removed");
        }
    }

    /** Services named by the function's policy statements' actions or by SAM policy templates. */
    static Set<String> grantedServices(LambdaFunction fn) {
        Set<String> out = new HashSet<>();
        JsonNode policies = template.resource(fn.logicalId()).path("Properties").path("Policies");
        List<JsonNode> items = new ArrayList<>();
        if (policies.isArray()) {
            policies.forEach(items::add);
        } else if (!policies.isMissingNode()) {
            items.add(policies);
        }
        for (JsonNode p : items) {
            String text = p.toString().toLowerCase(Locale.ROOT);
            for (String s : SERVICES) {
                if (text.contains("\"" + s + ":")
                        || p.fieldNames().hasNext() && lowerNames(p).stream().anyMatch(n -> n.contains(s))) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    private static List<String> lowerNames(JsonNode p) {
        List<String> names = new ArrayList<>();
        p.fieldNames().forEachRemaining(n -> names.add(n.toLowerCase(Locale.ROOT)));
        return names;
    }

    /** Internal names of the classes a class file refers to (class entries and descriptors). */
    static Set<String> referencedClasses(byte[] classFile) {
        Set<String> out = new HashSet<>();
        for (PoolEntry e : ClassFile.of().parse(classFile).constantPool()) {
            if (e instanceof ClassEntry c) {
                String n = c.asInternalName();
                if (!n.startsWith("[")) {
                    out.add(n);
                } else {
                    addDescriptorClasses(n, out);
                }
            } else if (e instanceof Utf8Entry u) {
                String s = u.stringValue();
                if (s.indexOf('L') >= 0 && s.indexOf(';') > 0) {
                    addDescriptorClasses(s, out);
                }
            }
        }
        return out;
    }

    private static void addDescriptorClasses(String descriptor, Set<String> out) {
        Matcher m = DESCRIPTOR_CLASS.matcher(descriptor);
        while (m.find()) {
            out.add(m.group(1));
        }
    }
}
