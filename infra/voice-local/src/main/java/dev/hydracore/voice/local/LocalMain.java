package dev.hydracore.voice.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.auth.ApiKeys;
import dev.hydracore.voice.fakes.DemoProviders;
import dev.hydracore.voice.fakes.ProviderFakes;
import dev.hydracore.voice.local.schedule.Scheduler;
import dev.hydracore.voice.local.schedule.TemplateSchedule;
import dev.hydracore.voice.tooling.Admin;
import dev.hydracore.voice.tooling.Bootstrap;
import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.DeployedStack;
import dev.hydracore.voice.tooling.LocalAws;
import dev.hydracore.voice.tooling.LocalResources;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./hydra local}, {@code ./hydra invoke} and {@code ./hydra sam-env-vars}: the local
 * runtime's commands. Exit codes: 0 done, 1 failed (for invoke: the function failed), 2 usage.
 */
public final class LocalMain {
    private static final String USAGE = """
            usage:
              hydra local [--port 3000] [--public-url URL] [--parameter-overrides Name=Value ...] [--schedule-now]
                          [--init-type snap-start|on-demand] [--raw-logs] [--no-fake-providers] [--stack NAME]
              hydra invoke <FunctionLogicalId> [--event events/<module>.json | -] [--parameter-overrides Name=Value ...]
                          [--init-type snap-start|on-demand]
              hydra sam-env-vars              (prints the sam local --env-vars file; see README)
            """;
    private static final int DEFAULT_PORT = 3000;
    /** The template parameters naming the providers' APIs: given by the user, no fakes are started. */
    private static final List<String> PROVIDER_PARAMETERS = List.of("TwilioApiBaseUrl", "RetellApiBaseUrl");

    private LocalMain() {}

    public static void main(String[] argv) throws Exception {
        List<String> args = new ArrayList<>(List.of(argv));
        if (args.isEmpty()) {
            usage("no command");
        }
        String command = args.removeFirst();
        int code = switch (command) {
            // Returns only after the shutdown hooks ran; exit() would then block for good.
            case "local" -> {
                int stopped = local(args);
                yield stopped == 0 ? -1 : stopped;
            }
            case "invoke" -> invoke(args);
            case "sam-env-vars" -> {
                System.out.println(SamEnvVars.generate(CfnTemplate.load(ProjectPaths.template()))
                        .toPrettyString());
                yield 0;
            }
            default -> usage("unknown command " + command);
        };
        if (code >= 0) {
            System.exit(code);
        }
    }

    private static int usage(String why) {
        System.err.println("hydra: " + why + "\n" + USAGE);
        System.exit(2);
        return 2;
    }

    private static String option(List<String> args, String name, String fallback) {
        int i = args.indexOf(name);
        if (i < 0) {
            return fallback;
        }
        if (i + 1 >= args.size()) {
            usage(name + " needs a value");
        }
        String v = args.get(i + 1);
        args.remove(i + 1);
        args.remove(i);
        return v;
    }

    /** Whether a value-less flag is present (and takes it off the list). */
    private static boolean flag(List<String> args, String name) {
        return args.remove(name);
    }

    /**
     * {@code --parameter-overrides} and the values after it up to the next option (as sam local
     * takes them), checked against the template's Parameters.
     */
    private static Map<String, String> parameterOverrides(List<String> args, CfnTemplate template) {
        List<String> values = new ArrayList<>();
        for (int i; (i = args.indexOf("--parameter-overrides")) >= 0; ) {
            args.remove(i);
            int before = values.size();
            while (i < args.size() && !args.get(i).startsWith("--")) {
                values.add(args.remove(i));
            }
            if (values.size() == before) {
                usage("--parameter-overrides needs Name=Value pairs");
            }
        }
        try {
            return ParameterOverrides.parse(values, template, w -> System.err.println("hydra: warning: " + w));
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
            return Map.of();
        }
    }

    /** The template parameters of a local run: the public URL, then the user's overrides. */
    private static Map<String, String> parameters(String publicUrl, Map<String, String> overrides) {
        Map<String, String> p = new java.util.LinkedHashMap<>(overrides);
        p.put("PublicBaseUrl", publicUrl);
        return p;
    }

    private static String env(String name) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    /** The public base URL functions hand out (webhook URLs): --public-url, HYDRA_PUBLIC_URL, else the local one. */
    private static String publicUrl(String flag, String local) {
        String url = flag != null ? flag : env("HYDRA_PUBLIC_URL") != null ? env("HYDRA_PUBLIC_URL") : local;
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static int local(List<String> args) throws IOException, InterruptedException {
        int port = Integer.parseInt(option(args, "--port", Integer.toString(DEFAULT_PORT)));
        String publicFlag = option(args, "--public-url", null);
        boolean scheduleNow = flag(args, "--schedule-now");
        boolean noFakes = flag(args, "--no-fake-providers");
        // A deployed stack's table, key and secret instead of our own (AWS_ENDPOINT_URL's emulator, else AWS).
        String stack = option(args, "--stack", null);
        Optional<InitType> initType = initType(args);
        // Function log lines readable on this terminal, or as CloudWatch receives them.
        LogDisplay.raw(flag(args, "--raw-logs"));
        CfnTemplate template = CfnTemplate.load(ProjectPaths.template());
        Map<String, String> overrides = parameterOverrides(args, template);
        if (!args.isEmpty()) {
            usage("unexpected arguments " + args);
        }
        if (overrides.containsKey("PublicBaseUrl")) {
            if (publicFlag != null) {
                usage("give the public URL once: --public-url or --parameter-overrides PublicBaseUrl=...");
            }
            publicFlag = overrides.get("PublicBaseUrl");
        }
        Path root = ProjectPaths.root();
        PrintStream out = System.out;
        LocalAws deployed = null;
        if (stack != null) {
            try {
                deployed = LocalAws.deployed();
            } catch (IllegalStateException e) {
                System.err.println("hydra: --stack " + stack + ": " + e.getMessage());
                return 1;
            }
        }
        boolean fakeProviders = !noFakes && PROVIDER_PARAMETERS.stream().noneMatch(overrides::containsKey);
        // Prism reads its documents while the emulator starts.
        CompletableFuture<ProviderFakes> fakesStarting =
                fakeProviders ? CompletableFuture.supplyAsync(() -> startFakes(root)) : null;

        // Bind first: the public URL defaults to the address we actually got.
        Holder<LocalRuntime> runtime = new Holder<>();
        LocalGateway gateway;
        try {
            gateway = new LocalGateway(
                    new Router(routesOf(template)),
                    (fn, id, event) -> runtime.value.invokeWarm(fn, id, event),
                    port,
                    new ApiDocs(root.resolve("infra/openapi.yaml")));
        } catch (java.net.BindException e) {
            System.err.println("hydra: cannot listen on 127.0.0.1:" + port + " (" + e.getMessage()
                    + "); choose another with --port");
            return 1;
        }
        String baseUrl = gateway.baseUrl();
        String publicUrl = publicUrl(publicFlag, baseUrl);

        LocalAws aws = deployed != null ? deployed : LocalAws.start();
        Holder<ProviderFakes> fakes = new Holder<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Scheduler scheduler = new Scheduler(
                (fn, id, event) -> runtime.value.invokeWarm(fn, id, event),
                java.time.InstantSource.system(),
                System.err);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            // Order: stop taking requests and firing schedules, end every function JVM (which ends
                            // the runs in flight), then the emulator.
                            gateway.close();
                            scheduler.close();
                            if (runtime.value != null) {
                                runtime.value.close();
                            }
                            closeFakes(fakes.value, fakesStarting);
                            try {
                                scheduler.awaitFirings(java.time.Duration.ofSeconds(5));
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            aws.close();
                            stopped.countDown();
                        },
                        "local-stop"));

        LocalResources resources;
        if (stack == null) {
            resources = new Bootstrap(template, aws.clients(), Bootstrap.stackName(), aws.region()).run();
        } else {
            try {
                resources = DeployedStack.read(template, aws, stack);
            } catch (RuntimeException e) {
                System.err.println("hydra: cannot run against stack " + stack + ": " + e.getMessage());
                return 1;
            }
        }
        Map<String, String> parameters = parameters(publicUrl, overrides);
        DemoProviders demo = null;
        if (fakesStarting != null) {
            try {
                fakes.value = fakesStarting.join();
            } catch (java.util.concurrent.CompletionException e) {
                System.err.println("hydra: cannot start the fake providers: "
                        + e.getCause().getMessage() + " (--no-fake-providers runs without them)");
                return 1;
            }
            demo = DemoProviders.seed(fakes.value);
            // What the parameter overrides would do: the functions call the providers through Prism.
            parameters.put("TwilioApiBaseUrl", fakes.value.twilioBaseUrl().toString());
            parameters.put("RetellApiBaseUrl", fakes.value.retellBaseUrl().toString());
            fakes.value.onViolation(v -> {
                if (v.isRejection()) {
                    System.err.println("hydra: Prism rejected: " + v);
                }
            });
        }
        runtime.value =
                new LocalRuntime(root, template, resources, parameters, aws.endpoint(), aws.credentials(), initType);
        runtime.value.functions().forEach(f -> reportAotCache(runtime.value, f));
        Map<String, String> scope = new java.util.LinkedHashMap<>(resources.refs());
        scope.putAll(parameters);
        List<TemplateSchedule> schedules;
        try {
            schedules = TemplateSchedule.fromTemplate(template, resources.stackName(), scope::get);
        } catch (IllegalArgumentException e) {
            System.err.println("hydra: template.yaml: " + e.getMessage());
            return 1;
        }
        // A demo tenant, key and instance of our own; a deployed stack's table gets none (./hydra admin makes them).
        String tenant = null;
        ApiKeys.NewKey key = null;
        String instance = null;
        if (stack == null) {
            Admin admin =
                    new Admin(aws.clients(), resources.tableName(), resources.pepperSecretId(), Clock.systemUTC());
            tenant = admin.createTenant("Local demo").tenantId();
            key = admin.createKey(tenant);
            instance = UUID.randomUUID().toString();
            admin.registerInstance(instance, tenant);
        }
        gateway.start();
        scheduler.start(schedules, resources.region(), resources.ref("AWS::AccountId"), scheduleNow);

        ObjectNode ready = Json.object().put("base_url", baseUrl);
        if (aws.endpoint() != null) {
            ready.put("aws_endpoint", aws.endpoint().toString());
        }
        if (stack == null) {
            ready.put("api_key", key.plaintext()).put("tenant_id", tenant).put("instance_id", instance);
        } else {
            ready.put("stack", resources.stackName())
                    .put("table", resources.tableName())
                    .put("kms_key", resources.kmsKeyId())
                    .put("pepper_secret", resources.pepperSecretId());
        }
        if (demo != null) {
            ready.set("providers", demo.toJson(fakes.value));
        }
        out.println("READY " + ready);
        StringBuilder help = new StringBuilder();
        help.append("\nHydraCore Voice is running locally: template.yaml's routes at ")
                .append(baseUrl)
                .append(", AWS at ")
                .append(aws.endpoint() != null ? aws.endpoint() : "AWS (" + aws.region() + ")")
                .append(aws.ownsEmulator() ? " (" + LocalAws.emulator() + ", stopped with us)" : "")
                .append(".\nAPI docs (Swagger UI, local only) at ")
                .append(baseUrl)
                .append(ApiDocs.DOCS_PATH)
                .append(", the OpenAPI document at ")
                .append(baseUrl)
                .append(ApiDocs.DOCUMENT_PATH)
                .append(".\nWebhook URLs are built from ")
                .append(publicUrl)
                .append(".\n");
        for (HttpRoute r : runtime.value.router().routes()) {
            help.append("  ")
                    .append(r.routeKey())
                    .append("  ->  ")
                    .append(r.functionId())
                    .append('\n');
        }
        for (TemplateSchedule s : schedules) {
            help.append("  ")
                    .append(s.expression())
                    .append(s.enabled() ? "" : " (disabled)")
                    .append("  ->  ")
                    .append(s.functionId())
                    .append('\n');
        }
        if (!overrides.isEmpty()) {
            help.append("Parameter overrides: ").append(overrides.keySet()).append('\n');
        }
        if (demo != null) {
            help.append("Providers: fakes behind Prism (the providers' own API documents), Twilio at ")
                    .append(fakes.value.twilioBaseUrl())
                    .append(" (demo account ")
                    .append(demo.twilioAccount().sid())
                    .append(", number ")
                    .append(demo.twilioNumber().phoneNumber())
                    .append("), Retell at ")
                    .append(fakes.value.retellBaseUrl())
                    .append(" (agent ")
                    .append(demo.retellAgent().agentId())
                    .append(", number ")
                    .append(demo.retellNumber().phoneNumber())
                    .append("); credentials and state in READY's \"providers\", state at <control_url>/_fake/numbers,")
                    .append(" Prism's findings at <control_url>/_fake/violations and here.\n");
        } else {
            help.append("Providers: not faked (")
                    .append(noFakes ? "--no-fake-providers" : "parameter overrides")
                    .append("); the functions call what the template parameters name.\n");
        }
        if (stack != null) {
            help.append("Against stack ")
                    .append(resources.stackName())
                    .append("'s resources (nothing bootstrapped, no demo tenant): table ")
                    .append(resources.tableName())
                    .append(", KMS key ")
                    .append(resources.kmsKeyId())
                    .append(", pepper secret ")
                    .append(resources.pepperSecretId())
                    .append(
                            ", its parameters. A tenant, key and instance of its own:\n  ./hydra admin tenant create NAME")
                    .append(" --table ")
                    .append(resources.tableName())
                    .append(" --pepper-secret ")
                    .append(resources.pepperSecretId())
                    .append(" (then key create, instance register)\nStop with Ctrl-C.");
            out.println(help);
            out.flush();
            stopped.await();
            return 0;
        }
        help.append("Demo tenant ")
                .append(tenant)
                .append(", registered instance ")
                .append(instance)
                .append("; the API key above is fresh and local. Try:\n  curl -H 'Authorization: Bearer ")
                .append(key.plaintext())
                .append("' ")
                .append(baseUrl)
                .append("/v1/instances/")
                .append(instance)
                .append("/channels/voice\nStop with Ctrl-C.");
        out.println(help);
        out.flush();
        stopped.await();
        return 0;
    }

    private static ProviderFakes startFakes(Path root) {
        try {
            return ProviderFakes.start(root);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e.getMessage(), e);
        }
    }

    /** The fakes, or the ones still starting when the stop came (so no Prism is left running). */
    private static void closeFakes(ProviderFakes started, CompletableFuture<ProviderFakes> starting) {
        ProviderFakes f = started;
        if (f == null && starting != null) {
            try {
                f = starting.get(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                return;
            }
        }
        if (f != null) {
            f.close();
        }
    }

    private static List<HttpRoute> routesOf(CfnTemplate template) {
        return LocalFunction.fromTemplate(template).stream()
                .flatMap(f -> f.routes().stream())
                .toList();
    }

    private static int invoke(List<String> args) throws IOException {
        String eventOption = option(args, "--event", null);
        Optional<InitType> initType = initType(args);
        CfnTemplate template = CfnTemplate.load(ProjectPaths.template());
        Map<String, String> overrides = parameterOverrides(args, template);
        if (args.size() != 1) {
            usage("invoke needs exactly one FunctionLogicalId");
        }
        String functionId = args.getFirst();
        Path root = ProjectPaths.root();
        LocalFunction function = LocalFunction.find(LocalFunction.fromTemplate(template), functionId);
        Path event;
        if (eventOption == null) {
            event = SampleEvents.defaultFor(root, function);
        } else if (eventOption.equals("-")) {
            event = Files.createTempFile("hydra-event", ".json");
            event.toFile().deleteOnExit();
            Files.write(event, System.in.readAllBytes());
        } else {
            event = Path.of(eventOption);
        }
        if (!Files.isRegularFile(event)) {
            System.err.println("hydra: no event file " + event);
            return 2;
        }
        try (LocalAws aws = LocalAws.start()) {
            LocalResources resources =
                    new Bootstrap(template, aws.clients(), Bootstrap.stackName(), aws.region()).run();
            String publicUrl = publicUrl(overrides.get("PublicBaseUrl"), "http://127.0.0.1:" + DEFAULT_PORT);
            try (LocalRuntime runtime = new LocalRuntime(
                    root,
                    template,
                    resources,
                    parameters(publicUrl, overrides),
                    aws.endpoint(),
                    aws.credentials(),
                    initType)) {
                reportAotCache(runtime, runtime.function(functionId));
                InvokeResult result = runtime.invokeOnce(functionId, event);
                System.out.write(result.payload());
                System.out.println();
                System.out.flush();
                return result.outcome() == InvokeResult.Outcome.RESULT ? 0 : 1;
            }
        }
    }

    /** --init-type: every function initialized this way rather than as the template says. */
    private static Optional<InitType> initType(List<String> args) {
        String v = option(args, "--init-type", null);
        if (v == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(InitType.parse(v));
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * On stderr: how the function's environments initialize (SnapStart or on demand) and whether
     * its JVMs start with its AOT cache (the bench's fast-start configuration).
     */
    private static void reportAotCache(LocalRuntime runtime, LocalFunction function) {
        FunctionJvm jvm = runtime.launcher().jvm();
        System.err.println(
                "hydra: " + function.logicalId() + ": " + function.initType().value() + ", "
                        + jvm.usableAotCache(function)
                                .map(c -> "AOT cache " + c)
                                .orElse("no AOT cache matching this build at " + jvm.aotCache(function)
                                        + " (./hydra bench trains it); starting without"));
    }

    private static final class Holder<T> {
        volatile T value;
    }
}
