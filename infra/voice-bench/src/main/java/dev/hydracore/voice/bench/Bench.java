package dev.hydracore.voice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.bench.floor.NoopHandler;
import dev.hydracore.voice.bench.probe.SdkCallMeter;
import dev.hydracore.voice.bench.probe.WarmRun;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.auth.ApiKeys;
import dev.hydracore.voice.core.crypto.CredentialVault;
import dev.hydracore.voice.core.store.ChannelStore;
import dev.hydracore.voice.core.store.InstanceStore;
import dev.hydracore.voice.local.FunctionJvm;
import dev.hydracore.voice.local.FunctionLauncher;
import dev.hydracore.voice.local.InitType;
import dev.hydracore.voice.local.JvmOptions;
import dev.hydracore.voice.local.LambdaEnvironment;
import dev.hydracore.voice.local.LocalFunction;
import dev.hydracore.voice.tooling.Admin;
import dev.hydracore.voice.tooling.Bootstrap;
import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.LocalAws;
import dev.hydracore.voice.tooling.LocalResources;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentials;

/**
 * {@code ./hydra bench [--json] [--runs N] [--warm N] [--warmup N] [--no-aot] [--only LogicalId]}
 * ({@code --ceiling …}: the per-instance ceiling scenario instead, {@link CeilingBench}).
 *
 * <p>Starts the emulator as the tests do, bootstraps template.yaml's resources, creates a tenant,
 * an API key and registers the demo instance, then for every AWS::Serverless::Function in
 * template.yaml: trains its AOT cache when missing or stale, times cold starts (a new JVM each,
 * started exactly as ./hydra local and ./hydra invoke start one: {@link FunctionJvm}, the runner
 * shim's {@code --once}, the function's Lambda environment; from process start to the response; the
 * status route alternating with the Python baseline), counts classes loaded, runs the warm probe
 * (latency, own time, AWS requests) and records the package size. Progress goes to stderr; the
 * report (a table, or one JSON object with --json) to stdout. Every process it starts is stopped.
 */
public final class Bench {
    static final String DEMO_INSTANCE = "497f6eca-6276-4993-bfeb-53cbbbba6f08";
    /** The PublicBaseUrl the functions get (as ./hydra local's default): the channel's webhook URL. */
    static final String PUBLIC_BASE_URL = "http://127.0.0.1:3000";

    static final String STATUS_METHOD = "GET";
    static final String STATUS_PATH = "/v1/instances/{instance_id}/channels/voice";
    /** Environment variable: JVM options added to the timeline (SDK call meter) runs only, space-separated. */
    static final String TIMELINE_OPTIONS = "HYDRA_BENCH_TIMELINE_OPTIONS";

    private static final Pattern STATUS = Pattern.compile("\"statusCode\"\\s*:\\s*(\\d+)");
    private static final Pattern UUID_SEGMENT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final Options options;
    private final Path root;
    private final Path work;
    private final PrintStream log = System.err;
    private final Children children = new Children();

    Bench(Options options, Path root) {
        this.options = options;
        this.root = root;
        this.work = root.resolve("infra/voice-bench/target/bench");
    }

    public static void main(String[] args) {
        if (List.of(args).contains("--ceiling")) {
            int exit;
            try {
                exit = CeilingBench.main(List.of(args));
            } catch (IllegalArgumentException e) {
                System.err.println("hydra bench: " + e.getMessage());
                exit = 2;
            } catch (Exception e) {
                System.err.println("hydra bench: failed: " + e);
                exit = 1;
            }
            System.exit(exit);
            return;
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("hydra bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        Bench bench = new Bench(options, ProjectPaths.root());
        Runtime.getRuntime().addShutdownHook(new Thread(bench.children::stopAll, "bench-children-stop"));
        int exit;
        try {
            ObjectNode report = bench.run();
            if (options.json()) {
                System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report));
            } else {
                System.out.print(Table.render(report));
            }
            exit = report.path("failures").isEmpty() ? 0 : 1;
        } catch (Exception e) {
            System.err.println("hydra bench: failed: " + e);
            exit = 1;
        } finally {
            bench.children.stopAll();
        }
        System.exit(exit);
    }

    ObjectNode run() throws Exception {
        Files.createDirectories(work.resolve("logs"));
        Files.createDirectories(work.resolve("events"));
        CfnTemplate template = CfnTemplate.load(root.resolve("template.yaml"));
        List<LambdaFunction> functions = new ArrayList<>(LambdaFunction.discover(root, template));
        if (options.only() != null) {
            functions.removeIf(f -> !f.logicalId().equals(options.only()));
        }
        List<String> jvmOptions = JvmOptions.read(root);
        FunctionJvm jvm = FunctionJvm.forProject(root).withCodeOnClasspath(options.codeOnClasspath());
        List<LocalFunction> localFunctions = LocalFunction.fromTemplate(template);
        Path probeJar = TinyJars.write(
                work.resolve("probe.jar"),
                WarmRun.class,
                Map.of(
                        "software/amazon/awssdk/global/handlers/execution.interceptors",
                        "dev.hydracore.voice.bench.probe.SdkCallMeter\n"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        ObjectNode report = Json.object();
        ObjectNode machine = report.putObject("machine");
        machine.put("jdk", System.getProperty("java.vm.name") + " " + Runtime.version());
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("loadavg_start", loadAverage());
        ArrayNode opts = machine.putArray("jvm_options");
        jvmOptions.forEach(opts::add);
        ObjectNode settings = report.putObject("settings");
        settings.put("budget_s", options.budgetSeconds());
        settings.put("cold_runs", options.runs())
                .put("warm_invocations", options.warm())
                .put("warmup_invocations", options.warmup())
                .put("aot_cache", options.aot())
                .put("function_code_on_classpath", options.codeOnClasspath())
                .put("restore_runs", options.restoreRuns());
        ObjectNode python = report.putObject("python_baseline");
        ObjectNode cold = report.putObject("cold_start");
        ObjectNode warm = report.putObject("warm");
        ObjectNode restore = report.putObject("snapstart_restore");
        ObjectNode requests = report.putObject("aws_requests");
        ObjectNode artifacts = report.putObject("artifact_bytes");
        ObjectNode classes = report.putObject("classes_loaded");
        ObjectNode classesAot = report.putObject("classes_from_aot_cache");
        ObjectNode statuses = report.putObject("status_codes");
        ArrayNode failures = report.putArray("failures");

        long benchStart = System.nanoTime();
        progress("starting the emulator");
        try (LocalAws aws = LocalAws.start()) {
            LocalResources resources =
                    new Bootstrap(template, aws.clients(), "hydracore-voice-bench", aws.region()).run();
            Admin admin =
                    new Admin(aws.clients(), resources.tableName(), resources.pepperSecretId(), Clock.systemUTC());
            String tenant = admin.createTenant("bench").tenantId();
            ApiKeys.NewKey key = admin.createKey(tenant);
            register(admin, tenant);
            Clock clock = Clock.systemUTC();
            BenchChannel channel = new BenchChannel(
                    new InstanceStore(aws.clients().dynamo(), resources.tableName(), clock),
                    new ChannelStore(aws.clients().dynamo(), resources.tableName(), clock),
                    new CredentialVault(aws.clients().kms(), resources.kmsKeyId(), BenchChannel.cacheTtl()),
                    DEMO_INSTANCE,
                    tenant,
                    PUBLIC_BASE_URL + "/v1/webhooks/voice/" + DEMO_INSTANCE);
            channel.reset();
            AwsCredentials creds = aws.credentials().resolveCredentials();
            Map<String, String> awsEnv = new LinkedHashMap<>();
            awsEnv.put("AWS_ENDPOINT_URL", aws.endpoint().toString());
            awsEnv.put("AWS_REGION", aws.region());
            awsEnv.put("AWS_ACCESS_KEY_ID", creds.accessKeyId());
            awsEnv.put("AWS_SECRET_ACCESS_KEY", creds.secretAccessKey());
            progress("emulator ready at " + aws.endpoint() + "; demo instance " + DEMO_INSTANCE + " registered");

            Python py = Python.find(root);
            LambdaFunction statusFunction = functions.stream()
                    .filter(f -> f.serves(STATUS_METHOD, STATUS_PATH))
                    .findFirst()
                    .orElse(null);

            // Status first: its runs alternate with Python's and give the baseline the others compare to.
            List<LambdaFunction> ordered = new ArrayList<>();
            if (statusFunction != null) {
                ordered.add(statusFunction);
            }
            functions.stream().filter(f -> f != statusFunction).forEach(ordered::add);
            Map<String, String> pythonEnv = null;
            byte[] pythonEvent = null;
            for (LambdaFunction fn : ordered) {
                String id = fn.logicalId();
                if (overBudget(benchStart)) {
                    failures.add(id + ": not measured, the bench's time budget (" + options.budgetSeconds()
                            + " s) is spent");
                    continue;
                }
                ObjectNode st = statuses.putObject(id);
                var jar = fn.lambdaJar();
                if (jar.isEmpty()) {
                    failures.add(id + ": no package " + fn.codeUri() + "/target/*-lambda.jar (mvn package)");
                    continue;
                }
                // The deployable package is the zip (lib/<jar>, deflated as a whole), not the stored jar.
                var pkg = fn.lambdaZip();
                if (pkg.isPresent()) {
                    artifacts.put(id, Files.size(pkg.get()));
                } else {
                    failures.add(id + ": no package " + fn.codeUri() + "/target/*-lambda.zip (mvn package)");
                }
                if (!Files.isRegularFile(fn.sampleEvent())) {
                    failures.add(id + ": no sample event " + root.relativize(fn.sampleEvent()));
                    continue;
                }
                LocalFunction templateFunction = LocalFunction.find(localFunctions, id);
                // Cold starts are on-demand inits (what Python has too); SnapStart's restores are timed apart.
                LocalFunction lf = templateFunction.withInitType(InitType.ON_DEMAND);
                Map<String, String> templateVariables =
                        resources.functionEnvironment(template, id, Map.of("PublicBaseUrl", PUBLIC_BASE_URL));
                // The function's Lambda environment, as ./hydra local gives it (on demand: access-key variables).
                Map<String, String> env = new LinkedHashMap<>(
                        LambdaEnvironment.of(lf, templateVariables, aws.endpoint(), aws.region(), creds));
                FunctionLauncher launcher = new FunctionLauncher(
                        jvm,
                        f -> LambdaEnvironment.of(f, templateVariables, aws.endpoint(), aws.region(), creds),
                        () -> creds,
                        Duration.ofHours(1));
                Path event = prepareEvent(fn, key.plaintext(), channel.retellKey());
                byte[] eventBytes = Files.readAllBytes(event);

                if (options.aot()) {
                    if (jvm.usableAotCache(lf).isEmpty()) {
                        channel.reset();
                        train(lf, jvm, launcher, eventBytes);
                    }
                    if (jvm.usableAotCache(lf).isEmpty()) {
                        failures.add(id + ": AOT training made no usable cache (see "
                                + work.relativize(log(fn, "aot-train")) + ")");
                    }
                }
                // Exactly the command ./hydra invoke runs (FunctionJvm): the runtime client, the function's task root.
                List<String> command =
                        options.aot() ? jvm.command(lf, List.of()) : jvm.commandWithoutAot(lf, List.of());

                // Cold starts, alternating with the Python baseline (A B A B): the status route's give the
                // baseline; every other function is paired with Python runs of its own, so a load change
                // during the bench does not skew its ratio.
                boolean paired = py != null && (fn == statusFunction || pythonEnv != null);
                if (paired && fn == statusFunction) {
                    pythonEvent = eventBytes;
                    pythonEnv = pythonEnvironment(awsEnv, env, lf);
                }
                coldStarts(
                        fn,
                        paired,
                        fn == statusFunction,
                        py,
                        pythonEnv,
                        pythonEvent,
                        lf,
                        launcher,
                        command,
                        eventBytes,
                        probeJar,
                        channel,
                        benchStart,
                        python,
                        cold,
                        st,
                        failures);

                countClasses(fn, lf, jvm, launcher, channel, eventBytes, classes, classesAot);

                snapStartRestores(
                        fn,
                        templateFunction,
                        jvm,
                        launcher,
                        channel,
                        eventBytes,
                        probeJar,
                        benchStart,
                        restore,
                        failures);

                warmProbe(fn, jar.get(), event, probeJar, java, jvmOptions, env, channel, warm, requests, st, failures);
            }
            runtimeClientFloor(report, jvmOptions, aws, creds, failures);
            if (statusFunction == null) {
                failures.add("no function serves " + STATUS_METHOD + " " + STATUS_PATH + ": no Python comparison");
            } else if (py == null) {
                failures.add("no Python baseline: " + Python.describeMissing(root));
            }
        }
        machine.put("loadavg_end", loadAverage());
        report.put("elapsed_s", round((System.nanoTime() - benchStart) / 1e9, 1));
        return report;
    }

    /**
     * The function's cold starts (a new JVM each, on demand), alternating with the Python baseline
     * when {@code paired}; the status route's ({@code baseline}) runs are the baseline itself.
     * Writes the function's {@code cold_start} entry (with its call breakdown), its cold status, and
     * for the baseline the {@code python_baseline} entry.
     */
    private void coldStarts(
            LambdaFunction fn,
            boolean paired,
            boolean baseline,
            Python py,
            Map<String, String> pythonEnv,
            byte[] pythonEvent,
            LocalFunction lf,
            FunctionLauncher launcher,
            List<String> command,
            byte[] eventBytes,
            Path probeJar,
            BenchChannel channel,
            long benchStart,
            ObjectNode python,
            ObjectNode cold,
            ObjectNode st,
            ArrayNode failures)
            throws Exception {
        String id = fn.logicalId();
        List<Double> pythonTimes = new ArrayList<>();
        progress(
                id + ": " + options.runs() + " cold starts" + (paired ? ", alternating with the Python baseline" : ""));
        List<Double> times = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        List<Double> pairedPython = new ArrayList<>();
        List<Double> inits = new ArrayList<>();
        long peakKb = 0;
        Integer coldStatus = null;
        for (int i = 0; i < options.runs(); i++) {
            if (overBudget(benchStart)) {
                failures.add(id + ": " + i + " cold runs only, the bench's time budget is spent");
                break;
            }
            if (paired) {
                Children.Timed p = children.timedPythonLambda(
                        py.command(), py.taskRoot(), pythonEnv, pythonEvent, log(fn, "python"), 30);
                if (p.line() == null || !Integer.valueOf(200).equals(statusOf(p.line()))) {
                    failures.add("python baseline answered " + p.line() + " (see " + work.relativize(log(fn, "python"))
                            + ")");
                }
                pairedPython.add(p.seconds());
                if (baseline) {
                    pythonTimes.add(p.seconds());
                }
            }
            channel.reset();
            Children.Timed c = children.timedLambda(launcher, lf, command, eventBytes, log(fn, "cold"), 30);
            if (c.line() == null) {
                failures.add(id + ": cold run gave no response (see " + work.relativize(log(fn, "cold")) + ")");
                break;
            }
            times.add(c.seconds());
            inits.add(c.initSeconds());
            coldStatus = statusOf(c.line());
            peakKb = Math.max(peakKb, c.peakRssKb());
            if (paired) {
                ratios.add(c.seconds() / pairedPython.getLast());
            }
        }
        st.put("cold", coldStatus);
        if (paired && baseline && !pythonTimes.isEmpty()) {
            python.put("median_s", round(median(pythonTimes), 4));
            python.put("min_s", round(min(pythonTimes), 4));
            python.put("max_s", round(max(pythonTimes), 4));
            python.put("runs", pythonTimes.size());
            ArrayNode pc = python.putArray("command");
            py.command().forEach(pc::add);
            python.put("paired_with", id);
        }
        if (!times.isEmpty()) {
            ObjectNode c = cold.putObject(id);
            c.put("median_s", round(median(times), 4));
            c.put("min_s", round(min(times), 4));
            c.put("max_s", round(max(times), 4));
            c.put("peak_mib", round(peakKb / 1024.0, 1));
            if (paired && !ratios.isEmpty()) {
                c.put("ratio_vs_python", round(median(ratios), 3));
                c.put("ratio_basis", "median of " + ratios.size() + " paired ratios (A B A B ...)");
                c.put("paired_python_median_s", round(median(pairedPython), 4));
            } else if (python.has("median_s")) {
                c.put(
                        "ratio_vs_python",
                        round(median(times) / python.path("median_s").asDouble(), 3));
                c.put("ratio_basis", "median / Python median");
            } else {
                c.putNull("ratio_vs_python");
            }
            c.put("status", coldStatus);
            c.put(
                    "measured",
                    "process start -> response posted to the Runtime API (runtime interface client, on demand)");
            // Of which: JVM start, the client's init and the handler's construction, up to its first next.
            c.put("init_median_s", round(median(inits), 4));
            c.put("aot_cache", command.stream().anyMatch(a -> a.startsWith("-XX:AOTCache=")));
            c.put("runs", times.size());
            ArrayNode cmd = c.putArray("command");
            command.forEach(cmd::add);
            channel.reset();
            c.set("breakdown", coldBreakdown(launcher, lf, command, probeJar, eventBytes, log(fn, "cold-calls")));
        }
    }

    /** The Python baseline's Lambda environment: the emulator's settings and what its status handler reads. */
    private static Map<String, String> pythonEnvironment(
            Map<String, String> awsEnv, Map<String, String> env, LocalFunction lf) {
        Map<String, String> pythonEnv = new LinkedHashMap<>(awsEnv);
        pythonEnv.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        pythonEnv.put("LANG", "en_US.UTF-8");
        pythonEnv.put("TZ", "UTC");
        pythonEnv.put("_HANDLER", "python_status_baseline.handler");
        pythonEnv.put("AWS_EXECUTION_ENV", "AWS_Lambda_python3");
        pythonEnv.put("AWS_LAMBDA_FUNCTION_NAME", "python-status-baseline");
        pythonEnv.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        pythonEnv.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(lf.memoryMb()));
        pythonEnv.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/python-status-baseline");
        pythonEnv.put("AWS_LAMBDA_LOG_STREAM_NAME", "local");
        pythonEnv.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        pythonEnv.put("PYTHONDONTWRITEBYTECODE", "1");
        pythonEnv.put("TABLE_NAME", env.get("TABLE_NAME"));
        pythonEnv.put("PEPPER_SECRET_ID", env.get("PEPPER_SECRET_ID"));
        return pythonEnv;
    }

    /** Classes loaded at first response: a separate run, logging class loading to a file. */
    private void countClasses(
            LambdaFunction fn,
            LocalFunction lf,
            FunctionJvm jvm,
            FunctionLauncher launcher,
            BenchChannel channel,
            byte[] eventBytes,
            ObjectNode classes,
            ObjectNode classesAot)
            throws Exception {
        String id = fn.logicalId();
        Path classLog = work.resolve("logs").resolve(fn.module() + ".classes.log");
        Files.deleteIfExists(classLog);
        List<String> classOption = List.of("-Xlog:class+load=info:file=" + classLog);
        List<String> counted = options.aot() ? jvm.command(lf, classOption) : jvm.commandWithoutAot(lf, classOption);
        channel.reset();
        children.timedLambda(launcher, lf, counted, eventBytes, log(fn, "classes"), 30);
        if (Files.isRegularFile(classLog)) {
            List<String> lines = Files.readAllLines(classLog);
            classes.put(id, lines.size());
            classesAot.put(
                    id,
                    lines.stream()
                            .filter(l -> l.contains("shared objects file"))
                            .count());
        }
    }

    /** SnapStart: init and the hooks, then (the snapshot point) restore and the first invocation. */
    private void snapStartRestores(
            LambdaFunction fn,
            LocalFunction templateFunction,
            FunctionJvm jvm,
            FunctionLauncher launcher,
            BenchChannel channel,
            byte[] eventBytes,
            Path probeJar,
            long benchStart,
            ObjectNode restore,
            ArrayNode failures)
            throws Exception {
        String id = fn.logicalId();
        if (templateFunction.initType() == InitType.SNAP_START && options.restoreRuns() > 0) {
            progress(id + ": " + options.restoreRuns() + " SnapStart restores (afterRestore -> response posted)");
            LocalFunction snap = templateFunction.withInitType(InitType.SNAP_START);
            List<String> snapCommand =
                    options.aot() ? jvm.command(snap, List.of()) : jvm.commandWithoutAot(snap, List.of());
            List<Double> restores = new ArrayList<>();
            Integer restoreStatus = null;
            for (int i = 0; i < options.restoreRuns() && !overBudget(benchStart); i++) {
                channel.reset();
                Children.Timed t =
                        children.timedLambda(launcher, snap, snapCommand, eventBytes, log(fn, "restore"), 60);
                if (t.line() == null || Double.isNaN(t.restoreSeconds())) {
                    failures.add(id + ": SnapStart run gave no response after restore (see "
                            + work.relativize(log(fn, "restore")) + ")");
                    break;
                }
                restores.add(t.restoreSeconds());
                restoreStatus = statusOf(t.line());
            }
            if (!restores.isEmpty()) {
                ObjectNode rs = restore.putObject(id);
                rs.put("first_response_median_ms", round(median(restores) * 1000, 3));
                rs.put("min_ms", round(min(restores) * 1000, 3));
                rs.put("max_ms", round(max(restores) * 1000, 3));
                rs.put("runs", restores.size());
                rs.put("status", restoreStatus);
                rs.put("measured", "restore/next answered (afterRestore starts) -> response posted");
                rs.set(
                        "breakdown",
                        restoreBreakdown(launcher, snap, snapCommand, probeJar, eventBytes, log(fn, "restore-calls")));
            }
        }
    }

    /** Warm: one JVM, warm-up, then measured invocations with the SDK call meter. */
    private void warmProbe(
            LambdaFunction fn,
            Path jar,
            Path event,
            Path probeJar,
            String java,
            List<String> jvmOptions,
            Map<String, String> env,
            BenchChannel channel,
            ObjectNode warm,
            ObjectNode requests,
            ObjectNode st,
            ArrayNode failures)
            throws Exception {
        String id = fn.logicalId();
        progress(id + ": warm probe (" + options.warmup() + " warm-up + " + options.warm() + " invocations)");
        List<String> warmCommand = new ArrayList<>();
        warmCommand.add(java);
        warmCommand.addAll(jvmOptions);
        warmCommand.addAll(List.of(
                "-cp",
                jar + File.pathSeparator + probeJar,
                WarmRun.class.getName(),
                fn.handler(),
                event.toString(),
                Integer.toString(options.warmup()),
                Integer.toString(options.warm())));
        channel.reset();
        Children.Timed w = children.timedFirstLine(warmCommand, env, log(fn, "warm"), 120);
        if (w.line() == null || !w.line().startsWith("{")) {
            failures.add(id + ": warm probe failed (see " + work.relativize(log(fn, "warm")) + ")");
            return;
        }
        JsonNode result = Json.MAPPER.readTree(w.line());
        ObjectNode wn = warm.putObject(id);
        for (String f : List.of("p50_ms", "p99_ms", "self_p50_ms", "self_p99_ms", "iterations", "warmup")) {
            wn.set(f, result.get(f));
        }
        ObjectNode rq = requests.putObject(id);
        rq.set("first", result.get("first"));
        rq.set("warm", result.get("warm"));
        st.set("first", result.get("first_status"));
        st.set("warm", result.get("warm_statuses"));
    }

    /**
     * One more restore, with the probe's call meter on the classpath writing every SDK call to the
     * log: when each AWS call made after restore started and how long it took (calls may overlap),
     * the time with at least one call in flight, and the rest. A run of its own, so the timed
     * restores carry no probe.
     */
    private ObjectNode restoreBreakdown(
            FunctionLauncher launcher,
            LocalFunction snap,
            List<String> snapCommand,
            Path probeJar,
            byte[] event,
            Path callLog)
            throws IOException {
        Children.Timed t = children.timedLambda(launcher, snap, metered(snapCommand, probeJar), event, callLog, 60);
        if (t.restoredNanos() < 0 || Double.isNaN(t.restoreSeconds()) || !Files.isRegularFile(callLog)) {
            ObjectNode b = Json.object();
            b.put("error", "no response after restore (see " + work.relativize(callLog) + ")");
            return b;
        }
        ObjectNode b = timeline(callLog, t.restoredNanos(), t.respondedNanos());
        if (t.firstNextNanos() >= t.restoredNanos()) {
            // afterRestore hooks and the client's own start of its invocation loop.
            b.put("client_next_after_restore_ms", round((t.firstNextNanos() - t.restoredNanos()) / 1e6, 3));
        }
        b.put(
                "measured",
                "one extra restore with the SDK call meter: from restore, each AWS call's start and time inside the SDK (marshal, sign, send, parse), the time with any call in flight, the rest");
        return b;
    }

    /**
     * One more cold start with the call meter: from process start, the client's first {@code next}
     * (JVM start, the client's init, the handler built), each AWS call (those started during init
     * are the ones fetched ahead), the response posted.
     */
    private ObjectNode coldBreakdown(
            FunctionLauncher launcher,
            LocalFunction function,
            List<String> command,
            Path probeJar,
            byte[] event,
            Path callLog)
            throws IOException {
        Children.Timed t = children.timedLambda(launcher, function, metered(command, probeJar), event, callLog, 60);
        if (t.respondedNanos() < 0 || !Files.isRegularFile(callLog)) {
            ObjectNode b = Json.object();
            b.put("error", "no response (see " + work.relativize(callLog) + ")");
            return b;
        }
        ObjectNode b = timeline(callLog, t.startedNanos(), t.respondedNanos());
        if (t.firstNextNanos() >= 0) {
            b.put("client_first_next_ms", round((t.firstNextNanos() - t.startedNanos()) / 1e6, 3));
        }
        b.put(
                "measured",
                "one extra cold start with the SDK call meter: from process start, the client's first next, each AWS call's start and time inside the SDK, the response posted");
        return b;
    }

    /** {@code command} with the probe's call meter on its classpath, writing each SDK call to stderr. */
    private static List<String> metered(List<String> command, Path probeJar) {
        List<String> cmd = new ArrayList<>(command);
        int cp = cmd.indexOf("-cp");
        cmd.set(cp + 1, cmd.get(cp + 1) + File.pathSeparator + probeJar);
        cmd.add(cp, "-Dhydra.bench.sdk-calls=stderr");
        // Extra JVM options for these timeline runs only (a profiler agent, say: docs/performance.md).
        String extra = System.getenv(TIMELINE_OPTIONS);
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(cp, List.of(extra.trim().split("\\s+")));
        }
        return cmd;
    }

    /** The SDK calls of {@code callLog} started in [from, to], relative to {@code from}, and their union in time. */
    private static ObjectNode timeline(Path callLog, long fromNanos, long toNanos) throws IOException {
        ObjectNode b = Json.object();
        ArrayNode calls = b.putArray("calls");
        List<long[]> spans = new ArrayList<>();
        double sdkMs = 0;
        for (String line : Files.readAllLines(callLog)) {
            int at = line.indexOf(SdkCallMeter.CALL_LINE);
            if (at < 0) {
                continue;
            }
            String[] f =
                    line.substring(at + SdkCallMeter.CALL_LINE.length()).trim().split(" ");
            long start = Long.parseLong(f[2]);
            long end = Long.parseLong(f[3]);
            if (start >= fromNanos && start <= toNanos) {
                sdkMs += (end - start) / 1e6;
                spans.add(new long[] {start, Math.min(end, toNanos)});
                calls.addObject()
                        .put("call", f[0] + " " + f[1])
                        .put("starts_at_ms", round((start - fromNanos) / 1e6, 3))
                        .put("ms", round((end - start) / 1e6, 3));
            }
        }
        spans.sort(java.util.Comparator.comparingLong(s -> s[0]));
        long inFlight = 0;
        long coveredTo = Long.MIN_VALUE;
        for (long[] span : spans) {
            long from = Math.max(span[0], coveredTo);
            if (span[1] > from) {
                inFlight += span[1] - from;
            }
            coveredTo = Math.max(coveredTo, span[1]);
        }
        double total = (toNanos - fromNanos) / 1e6;
        b.put("first_response_ms", round(total, 3));
        b.put("sdk_calls_ms", round(sdkMs, 3));
        b.put("sdk_in_flight_ms", round(inFlight / 1e6, 3));
        b.put("rest_ms", round(total - inFlight / 1e6, 3));
        return b;
    }

    private boolean overBudget(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9 > options.budgetSeconds();
    }

    private void register(Admin admin, String tenant) {
        var outcome = admin.registerInstance(DEMO_INSTANCE, tenant);
        if (outcome == dev.hydracore.voice.core.store.InstanceStore.Registration.OWNED_BY_OTHER_TENANT) {
            // An emulator shared with earlier runs: take the demo instance over (it carries no channel
            // unless another tool configured one, in which case this refuses and the bench says so).
            admin.unregisterInstance(DEMO_INSTANCE);
            admin.registerInstance(DEMO_INSTANCE, tenant);
        }
    }

    /**
     * The function's sample with real data swapped in, written where only this user can read it:
     * the demo key in authorization/x-api-key headers, the demo instance in
     * pathParameters.instance_id and in the paths that name the sample's instance.
     */
    Path prepareEvent(LambdaFunction fn, String apiKey, String retellKey) throws IOException {
        JsonNode sample = Json.MAPPER.readTree(Files.readAllBytes(fn.sampleEvent()));
        JsonNode prepared = EventSamples.signRetell(
                EventSamples.prepare(sample, apiKey, DEMO_INSTANCE), retellKey, System.currentTimeMillis());
        Path out = work.resolve("events").resolve(fn.module() + ".json");
        Files.deleteIfExists(out);
        Files.createFile(out, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(out, Json.MAPPER.writeValueAsBytes(prepared));
        return out;
    }

    /**
     * The AOT training run: the function's cold-start command with {@code -XX:AOTCacheOutput} (so
     * the cache matches the classpath and options ./hydra local, ./hydra invoke and the timed runs use).
     */
    /**
     * The floor under every function's cold start: {@link NoopHandler} (reads its event, answers a
     * constant) run exactly as a function is, with an AOT cache of its own, from process start to
     * the response posted. What a function's cold start adds above it is its own code's.
     */
    private void runtimeClientFloor(
            ObjectNode report, List<String> jvmOptions, LocalAws aws, AwsCredentials creds, ArrayNode failures)
            throws IOException {
        Path taskRoot = work.resolve("floor");
        Path jar = TinyJars.write(taskRoot.resolve("lib").resolve("floor.jar"), NoopHandler.class, Map.of());
        FunctionJvm jvm =
                new FunctionJvm(jvmOptions, f -> List.of(jar), f -> taskRoot, f -> taskRoot.resolve("floor.aot"), true);
        LocalFunction fn = new LocalFunction(
                "RuntimeClientFloor", NoopHandler.class.getName() + "::handleRequest", "floor", 1024, 15, List.of());
        FunctionLauncher launcher =
                new FunctionLauncher(jvm, f -> LambdaEnvironment.of(f, Map.of(), aws.endpoint(), aws.region(), creds));
        byte[] event = "{\"version\":\"2.0\",\"rawPath\":\"/\",\"headers\":{}}".getBytes(StandardCharsets.UTF_8);
        if (options.aot() && jvm.usableAotCache(fn).isEmpty()) {
            train(fn, jvm, launcher, event);
        }
        List<String> command = options.aot() ? jvm.command(fn, List.of()) : jvm.commandWithoutAot(fn, List.of());
        progress("runtime client floor: " + options.runs() + " cold starts of a no-op stream handler");
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < options.runs(); i++) {
            Children.Timed t = children.timedLambda(
                    launcher, fn, command, event, work.resolve("logs").resolve("floor.cold.log"), 30);
            if (t.line() == null) {
                failures.add("runtime client floor: no response (see logs/floor.cold.log)");
                return;
            }
            times.add(t.seconds());
        }
        ObjectNode f = report.putObject("runtime_client_floor");
        f.put("median_s", round(median(times), 4));
        f.put("min_s", round(min(times), 4));
        f.put("max_s", round(max(times), 4));
        f.put("runs", times.size());
        f.put("aot_cache", command.stream().anyMatch(a -> a.startsWith("-XX:AOTCache=")));
        f.put(
                "measured",
                "a no-op stream handler under the runtime client, on demand: process start -> response posted");
    }

    private void train(LocalFunction fn, FunctionJvm jvm, FunctionLauncher launcher, byte[] event) throws IOException {
        Path aot = jvm.aotCache(fn);
        progress(fn.logicalId() + ": training the AOT cache " + root.relativize(aot));
        Files.deleteIfExists(aot);
        // One invocation, then SIGTERM: the JVM writes the cache as it exits.
        Children.Timed t = children.timedLambda(
                launcher,
                fn,
                jvm.trainingCommand(fn),
                event,
                work.resolve("logs").resolve(fn.module() + ".aot-train.log"),
                120);
        jvm.recordTraining(fn);
        progress(fn.logicalId() + ": training run answered " + (t.line() == null ? "nothing" : statusOf(t.line()))
                + ", exit " + t.exit()
                + (Files.isRegularFile(aot) ? ", cache " + Files.size(aot) / 1024 / 1024 + " MiB" : ", no cache"));
    }

    private Path log(LambdaFunction fn, String what) {
        return work.resolve("logs").resolve(fn.module() + "." + what + ".log");
    }

    private void progress(String message) {
        log.println("bench: " + message);
    }

    static Integer statusOf(String response) {
        Matcher m = STATUS.matcher(response);
        return m.find() ? Integer.valueOf(m.group(1)) : null;
    }

    static String loadAverage() {
        try {
            String[] p = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return p[0] + " " + p[1] + " " + p[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    static double median(List<Double> v) {
        List<Double> s = v.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static double min(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }

    static boolean isUuid(String s) {
        return s != null && UUID_SEGMENT.matcher(s).matches();
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    record Options(
            boolean json,
            int runs,
            int warm,
            int warmup,
            boolean aot,
            String only,
            int budgetSeconds,
            boolean codeOnClasspath,
            int restoreRuns) {
        static Options parse(String[] args) {
            boolean json = false;
            boolean aot = true;
            boolean codeOnClasspath = true;
            int restoreRuns = 5;
            int runs = 10;
            int warm = 1000;
            int warmup = 1000;
            String only = null;
            int budget = 600;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--json" -> json = true;
                    case "--no-aot" -> aot = false;
                    case "--runs" -> runs = Integer.parseInt(args[++i]);
                    case "--warm" -> warm = Integer.parseInt(args[++i]);
                    case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                    case "--only" -> only = args[++i];
                    case "--budget" -> budget = Integer.parseInt(args[++i]);
                    case "--code-in-task-root-only" -> codeOnClasspath = false;
                    case "--restore-runs" -> restoreRuns = Integer.parseInt(args[++i]);
                    default ->
                        throw new IllegalArgumentException("unknown option " + args[i]
                                + " (usage: bench [--json] [--runs N] [--warm N] [--warmup N] [--no-aot] [--only LogicalId] [--budget SECONDS]"
                                + " [--code-in-task-root-only] [--restore-runs N])");
                }
            }
            if (runs < 7) {
                throw new IllegalArgumentException("--runs must be at least 7");
            }
            if (warm < 1 || warmup < 1) {
                throw new IllegalArgumentException("--warm and --warmup must be positive");
            }
            return new Options(json, runs, warm, warmup, aot, only, budget, codeOnClasspath, restoreRuns);
        }
    }
}
