package dev.hydracore.voice.testkit;

import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.auth.ApiKeys;
import dev.hydracore.voice.core.aws.AwsClients;
import dev.hydracore.voice.core.aws.RetryPolicy;
import dev.hydracore.voice.tooling.Admin;
import dev.hydracore.voice.tooling.Bootstrap;
import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.LocalAws;
import dev.hydracore.voice.tooling.LocalResources;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The emulator a test JVM shares: started on first use (a moto server on a free loopback port,
 * or the endpoint in AWS_ENDPOINT_URL, or LocalStack when HYDRA_TEST_AWS=localstack), bootstrapped
 * from template.yaml, and stopped when the JVM exits — also when tests fail. Tests isolate
 * themselves by creating their own tenants and instances.
 */
public final class TestAws {
    public static final String PUBLIC_BASE_URL = "https://voice.test.invalid";
    private static TestAws shared;

    private final LocalAws aws;
    private final LocalResources resources;
    private final AwsClients clients;
    private final Admin admin;

    private TestAws(LocalAws aws) {
        this.aws = aws;
        this.clients = aws.clients();
        this.resources = new Bootstrap(
                        CfnTemplate.load(ProjectPaths.template()), clients, "hydracore-voice-test", aws.region())
                .run();
        this.admin = new Admin(clients, resources.tableName(), resources.pepperSecretId(), Clock.systemUTC());
    }

    public static synchronized TestAws shared() {
        if (shared == null) {
            LocalAws started = LocalAws.start();
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "emulator-stop"));
            shared = new TestAws(started);
        }
        return shared;
    }

    public LocalAws aws() {
        return aws;
    }

    public LocalResources resources() {
        return resources;
    }

    public AwsClients clients() {
        return clients;
    }

    public DynamoDbClient dynamo() {
        return clients.dynamo();
    }

    public Admin admin() {
        return admin;
    }

    /** Every setting a function may read, pointing at the emulator. */
    public Settings settings() {
        Map<String, String> s = new HashMap<>();
        s.put(Settings.TABLE_NAME, resources.tableName());
        s.put(Settings.PEPPER_SECRET_ID, resources.pepperSecretId());
        s.put(Settings.KMS_KEY_ID, resources.kmsKeyId());
        s.put(Settings.PUBLIC_BASE_URL, PUBLIC_BASE_URL);
        s.put(Settings.AWS_REGION, aws.region());
        return Settings.of(s);
    }

    public Services services() {
        return services(settings());
    }

    public Services services(Settings settings) {
        return new Services(settings, clients, Clock.systemUTC());
    }

    public Services services(Settings settings, Clock clock) {
        return new Services(settings, clients, clock);
    }

    /** Services whose every AWS call goes to {@code endpoint} (an {@link AwsProxy} in front of the emulator). */
    public Services servicesVia(URI endpoint) {
        return servicesVia(endpoint, settings());
    }

    public Services servicesVia(URI endpoint, Settings settings) {
        return new Services(settings, new AwsClients(aws.region(), endpoint, aws.credentials()), Clock.systemUTC());
    }

    /** As {@link #servicesVia(URI, Settings)}, retrying as a function's path does. */
    public Services servicesVia(URI endpoint, Settings settings, RetryPolicy retries) {
        return new Services(
                settings, new AwsClients(aws.region(), endpoint, aws.credentials(), retries), Clock.systemUTC());
    }

    /** Services whose AWS endpoint refuses connections: a dependency outage. */
    public Services unreachableServices() {
        return new Services(
                settings(),
                new AwsClients(aws.region(), URI.create("http://127.0.0.1:" + closedPort()), aws.credentials()),
                Clock.systemUTC());
    }

    /**
     * Services whose DynamoDB and Secrets Manager are the emulator but whose KMS endpoint refuses
     * connections: a KMS outage while everything else works (authentication, reads, writes).
     */
    public Services kmsUnreachableServices() {
        return kmsUnreachableServices(settings());
    }

    public Services kmsUnreachableServices(Settings settings) {
        AwsClients dead =
                new AwsClients(aws.region(), URI.create("http://127.0.0.1:" + closedPort()), aws.credentials());
        AwsClients split = new AwsClients(aws.region(), aws.endpoint(), aws.credentials()) {
            @Override
            public synchronized software.amazon.awssdk.services.kms.KmsClient kms() {
                return dead.kms();
            }
        };
        return new Services(settings, split, Clock.systemUTC());
    }

    /** Services on the emulator whose DynamoDB client passes through a test's hook (fault injection). */
    public Services services(Settings settings, DynamoInterceptor.Around around) {
        DynamoDbClient wrapped = DynamoInterceptor.wrap(clients.dynamo(), around);
        AwsClients split = new AwsClients(aws.region(), aws.endpoint(), aws.credentials()) {
            @Override
            public synchronized DynamoDbClient dynamo() {
                return wrapped;
            }
        };
        return new Services(settings, split, Clock.systemUTC());
    }

    /** Every item of every table the template declares, as text, keyed by table and item key. */
    public java.util.Map<String, String> snapshotOfEveryTable() {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        CfnTemplate template = CfnTemplate.load(ProjectPaths.template());
        for (String logicalId : template.resources("AWS::DynamoDB::Table").keySet()) {
            String table = resources.ref(logicalId);
            java.util.Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> start = null;
            do {
                java.util.Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> from = start;
                var page = dynamo().scan(
                                s -> s.tableName(table).consistentRead(true).exclusiveStartKey(from));
                for (var item : page.items()) {
                    out.put(
                            table + "|" + item.get("pk").s() + "|"
                                    + item.get("sk").s(),
                            new java.util.TreeMap<>(item).toString());
                }
                start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
                        ? page.lastEvaluatedKey()
                        : null;
            } while (start != null);
        }
        return out;
    }

    /** A fresh tenant with one API key. */
    public TestCaller newCaller() {
        String tenant = admin.createTenant("test tenant").tenantId();
        ApiKeys.NewKey key = admin.createKey(tenant);
        return new TestCaller(tenant, key.keyId(), key.plaintext());
    }

    /** A fresh instance registered to the caller's tenant; returns its id. */
    public String registerInstance(TestCaller caller) {
        String id = UUID.randomUUID().toString();
        admin.registerInstance(id, caller.tenantId());
        return id;
    }

    private static int closedPort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public record TestCaller(String tenantId, String keyId, String apiKey) {
        public Map<String, String> bearer() {
            return Map.of("authorization", "Bearer " + apiKey);
        }

        @Override
        public String toString() {
            return "TestCaller[" + tenantId + ", " + keyId + "]";
        }
    }
}
