package dev.hydracore.voice.tooling;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.auth.ApiKeys;
import dev.hydracore.voice.core.aws.AwsClients;
import dev.hydracore.voice.core.store.ApiKeyStore;
import dev.hydracore.voice.core.store.TenantStore;
import java.io.PrintStream;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * {@code ./hydra bootstrap} and {@code ./hydra admin ...}. With {@code --json} a command prints
 * exactly one JSON object on stdout (errors too: {@code {"error": "..."}}); exit codes: 0 done,
 * 1 refused or failed, 2 usage.
 */
public final class ToolingMain {
    private static final String USAGE = """
            usage:
              hydra bootstrap [--json]
              hydra admin tenant create <name> [--json]
              hydra admin key create --tenant <tenant_id> [--json]
              hydra admin key list --tenant <tenant_id> [--json]
              hydra admin key revoke <key_id> [--json]
              hydra admin instance register <instance_id> --tenant <tenant_id> [--json]
              hydra admin instance unregister <instance_id> [--json]
            admin options: --table <name> (or TABLE_NAME), --pepper-secret <id> (or PEPPER_SECRET_ID),
              --region <region> (or AWS_REGION). Against an emulator (AWS_ENDPOINT_URL set) with none
              given, the names ./hydra bootstrap created there are used (stack HYDRA_STACK_NAME, default
              hydracore-voice); against AWS, name the stack's TableName and PepperSecretArn outputs.
            """;

    private final PrintStream out;
    private final PrintStream err;

    ToolingMain(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(new ToolingMain(System.out, System.err).run(args));
    }

    int run(String[] argv) {
        Args args;
        try {
            args = new Args(argv);
        } catch (UsageException e) {
            err.println("hydra: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }
        try {
            if (args.positional.isEmpty()) {
                throw new UsageException("no command");
            }
            return switch (args.positional.getFirst()) {
                case "bootstrap" -> bootstrap(args);
                case "admin" -> admin(args);
                default -> throw new UsageException("unknown command " + args.positional.getFirst());
            };
        } catch (UsageException e) {
            fail(args, e.getMessage() + "\n" + USAGE);
            return 2;
        } catch (Admin.AdminException | IllegalStateException | IllegalArgumentException e) {
            fail(args, e.getMessage());
            return 1;
        } catch (ApiKeyStore.RevocationFailedException e) {
            fail(args, e.getMessage() + "; run the command again");
            return 1;
        } catch (SdkException e) {
            fail(args, "AWS request failed: " + e.getClass().getSimpleName());
            return 1;
        }
    }

    private void fail(Args args, String message) {
        if (args.json) {
            ObjectNode o = Json.object().put("error", message.strip());
            out.println(o);
        } else {
            err.println("hydra: " + message.strip());
        }
    }

    private int bootstrap(Args args) {
        String endpoint = System.getenv("AWS_ENDPOINT_URL");
        if (endpoint == null || endpoint.isBlank()) {
            throw new IllegalStateException("refusing to bootstrap: AWS_ENDPOINT_URL is not set. Bootstrap only creates"
                    + " resources at an emulator (for AWS, deploy template.yaml with sam deploy)");
        }
        String region = System.getenv().getOrDefault("AWS_REGION", LocalAws.REGION);
        AwsClients aws = new AwsClients(region, URI.create(endpoint.trim()), LocalAws.emulatorCredentials());
        LocalResources res =
                new Bootstrap(CfnTemplate.load(ProjectPaths.template()), aws, Bootstrap.stackName(), region).run();
        ObjectNode o = Json.object()
                .put("endpoint", endpoint.trim())
                .put("stack", res.stackName())
                .put("table", res.tableName())
                .put("pepper_secret", res.pepperSecretId())
                .put("kms_key", res.kmsKeyId());
        if (args.json) {
            out.println(o);
        } else {
            out.println("bootstrapped " + res.stackName() + " at " + endpoint.trim() + ": table " + res.tableName()
                    + ", pepper secret " + res.pepperSecretId() + ", KMS key " + res.kmsKeyId());
        }
        return 0;
    }

    private int admin(Args args) {
        List<String> p = args.positional;
        if (p.size() < 3) {
            throw new UsageException("admin needs a subject and an action");
        }
        Admin admin = connect(args);
        String what = p.get(1) + " " + p.get(2);
        ObjectNode o = Json.object();
        String human;
        switch (what) {
            case "tenant create" -> {
                TenantStore.Tenant t = admin.createTenant(arg(p, 3, "<name>"));
                o.put("tenant_id", t.tenantId()).put("name", t.name());
                human = "created tenant " + t.tenantId() + " (" + t.name() + ")";
            }
            case "key create" -> {
                ApiKeys.NewKey k = admin.createKey(args.required("--tenant"));
                o.put("key_id", k.keyId())
                        .put("tenant_id", args.required("--tenant"))
                        .put("api_key", k.plaintext());
                human = "created key " + k.keyId() + " for tenant " + args.required("--tenant")
                        + "\nAPI key (shown once, store it now): " + k.plaintext();
            }
            case "key list" -> {
                ArrayNode list = o.putArray("keys");
                StringBuilder sb = new StringBuilder();
                for (ApiKeyStore.StoredKey k : admin.listKeys(args.required("--tenant"))) {
                    ObjectNode ko = list.addObject()
                            .put("key_id", k.keyId())
                            .put(
                                    "created_at",
                                    Instant.ofEpochMilli(k.createdAtMillis()).toString())
                            .put("status", k.revoked() ? "revoked" : "active");
                    if (k.revoked()) {
                        ko.put(
                                "revoked_at",
                                Instant.ofEpochMilli(k.revokedAtMillis()).toString());
                    }
                    sb.append(k.keyId())
                            .append("  ")
                            .append(k.revoked() ? "revoked" : "active ")
                            .append("  created ")
                            .append(Instant.ofEpochMilli(k.createdAtMillis()))
                            .append('\n');
                }
                o.put("tenant_id", args.required("--tenant"));
                human = sb.isEmpty() ? "no keys" : sb.toString().stripTrailing();
            }
            case "key revoke" -> {
                String keyId = arg(p, 3, "<key_id>");
                ApiKeyStore.Revocation r = admin.revokeKey(keyId);
                if (r == ApiKeyStore.Revocation.NOT_FOUND) {
                    throw new Admin.AdminException("no such key: " + keyId);
                }
                o.put("key_id", keyId)
                        .put("status", r == ApiKeyStore.Revocation.REVOKED ? "revoked" : "already_revoked");
                human = "revoked " + keyId + (r == ApiKeyStore.Revocation.REVOKED ? "" : " (it already was)");
            }
            case "instance register" -> {
                String iid = arg(p, 3, "<instance_id>");
                String tenant = args.required("--tenant");
                switch (admin.registerInstance(iid, tenant)) {
                    case NO_SUCH_TENANT -> throw new Admin.AdminException("no such tenant: " + tenant);
                    case OWNED_BY_OTHER_TENANT ->
                        throw new Admin.AdminException("instance " + iid + " is registered to another tenant");
                    case ALREADY_REGISTERED -> o.put("status", "already_registered");
                    case REGISTERED -> o.put("status", "registered");
                }
                o.put("instance_id", iid.toLowerCase()).put("tenant_id", tenant);
                human = "registered instance " + iid.toLowerCase() + " to tenant " + tenant;
            }
            case "instance unregister" -> {
                String iid = arg(p, 3, "<instance_id>");
                switch (admin.unregisterInstance(iid)) {
                    case NOT_REGISTERED -> throw new Admin.AdminException("instance " + iid + " is not registered");
                    case CHANNEL_CONFIGURED ->
                        throw new Admin.AdminException("instance " + iid
                                + " has a voice channel: tear it down first (DELETE .../channels/voice)");
                    case UNREGISTERED -> o.put("status", "unregistered");
                }
                o.put("instance_id", iid.toLowerCase());
                human = "unregistered instance " + iid.toLowerCase();
            }
            default -> throw new UsageException("unknown admin command: " + what);
        }
        out.println(args.json ? o.toString() : human);
        return 0;
    }

    private static String arg(List<String> p, int i, String name) {
        if (p.size() <= i) {
            throw new UsageException("missing " + name);
        }
        return p.get(i);
    }

    private static Admin connect(Args args) {
        String endpoint = System.getenv("AWS_ENDPOINT_URL");
        boolean emulator = endpoint != null && !endpoint.isBlank();
        String region = args.option("--region")
                .orElse(System.getenv().getOrDefault("AWS_REGION", emulator ? LocalAws.REGION : ""));
        if (region.isBlank()) {
            throw new IllegalStateException("no region: pass --region or set AWS_REGION");
        }
        Map<String, String> names = emulator
                ? Bootstrap.expectedNames(CfnTemplate.load(ProjectPaths.template()), Bootstrap.stackName())
                : new HashMap<>();
        String table = args.option("--table").orElse(env("TABLE_NAME", names.get("VoiceTable")));
        String pepper = args.option("--pepper-secret").orElse(env("PEPPER_SECRET_ID", names.get("ApiKeyPepper")));
        if (table == null || pepper == null) {
            throw new IllegalStateException("name the table and pepper secret: --table and --pepper-secret"
                    + " (or TABLE_NAME and PEPPER_SECRET_ID), from the stack's outputs");
        }
        AwsClients aws = emulator
                ? new AwsClients(region, URI.create(endpoint.trim()), LocalAws.emulatorCredentials())
                : new AwsClients(
                        region, null, DefaultCredentialsProvider.builder().build());
        return new Admin(aws, table, pepper, Clock.systemUTC());
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message, null, false, false);
        }
    }

    /** Positional words and --flag value options; --json is a switch. */
    static final class Args {
        final List<String> positional = new ArrayList<>();
        final Map<String, String> options = new HashMap<>();
        boolean json;

        Args(String[] argv) {
            for (int i = 0; i < argv.length; i++) {
                String a = argv[i];
                if (a.equals("--json")) {
                    json = true;
                } else if (a.startsWith("--")) {
                    int eq = a.indexOf('=');
                    if (eq > 0) {
                        options.put(a.substring(0, eq), a.substring(eq + 1));
                    } else if (i + 1 < argv.length) {
                        options.put(a, argv[++i]);
                    } else {
                        throw new UsageException("option " + a + " needs a value");
                    }
                } else {
                    positional.add(a);
                }
            }
        }

        java.util.Optional<String> option(String name) {
            return java.util.Optional.ofNullable(options.get(name)).filter(s -> !s.isBlank());
        }

        String required(String name) {
            return option(name).orElseThrow(() -> new UsageException("missing " + name));
        }
    }
}
