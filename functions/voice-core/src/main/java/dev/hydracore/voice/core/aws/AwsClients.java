package dev.hydracore.voice.core.aws;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * SDK clients, built once per execution environment and only when first used. Explicit region,
 * credentials as Lambda provides them ({@link #lambdaCredentials}), the
 * url-connection HTTP client (with {@link #openConnection}: TLS set up on first use, not at build),
 * retries and timeouts of the caller's {@link RetryPolicy}, so an outage becomes a prompt 503. No endpoint is
 * set here: the SDK's own AWS_ENDPOINT_URL / aws.endpointUrl settings point it at an emulator.
 *
 * <p>Not final only so the test harness can stage a single-service outage (e.g. KMS unreachable
 * while DynamoDB works) by overriding one accessor; production code never subclasses it.
 */
public class AwsClients {
    /**
     * The JDK's HttpURLConnection resends a POST once, unseen by the SDK, when a connection closes
     * before the answer: a conditional write whose answer was lost would then meet its own first
     * write and report ConditionalCheckFailed. Off, so every attempt is one the SDK counts and the
     * stores recognise (docs/retries.md). Read once, when the JDK's HTTP client class initialises:
     * template.yaml's JAVA_TOOL_OPTIONS sets it on Lambda before anything runs; this covers JVMs
     * started otherwise, as long as nothing opened an HTTP connection before.
     */
    public static final String RETRY_POST_PROPERTY = "sun.net.http.retryPost";

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(5);

    private final Region region;
    private final URI endpointOverride;
    private final AwsCredentialsProvider credentials;
    private final RetryPolicy retries;
    private final Lazy<SdkHttpClient> http = new Lazy<>();
    private final Lazy<DynamoDbClient> dynamo = new Lazy<>();
    private final Lazy<KmsClient> kms = new Lazy<>();
    private final Lazy<SecretsManagerClient> secrets = new Lazy<>();

    static {
        if (System.getProperty(RETRY_POST_PROPERTY) == null) {
            System.setProperty(RETRY_POST_PROPERTY, "false");
        }
    }

    /** As {@link #AwsClients(String, RetryPolicy)} with the management API's policy. */
    public AwsClients(String region) {
        this(region, RetryPolicy.API);
    }

    /** What a function uses: endpoint from the SDK's own settings, credentials as Lambda provides them. */
    public AwsClients(String region, RetryPolicy retries) {
        this(region, null, lambdaCredentials(), retries);
    }

    /** For tooling and tests, which name their emulator (or a dead endpoint) explicitly: the operator's patient policy. */
    public AwsClients(String region, URI endpointOverride, AwsCredentialsProvider credentials) {
        this(region, endpointOverride, credentials, RetryPolicy.ADMIN);
    }

    public AwsClients(String region, URI endpointOverride, AwsCredentialsProvider credentials, RetryPolicy retries) {
        this.region = Region.of(region);
        this.endpointOverride = endpointOverride;
        this.credentials = credentials;
        this.retries = retries;
    }

    /**
     * Lambda's two ways of handing a function credentials, and nothing else: access-key variables
     * (on demand; system properties in tests), else the container-credentials endpoint
     * ({@code AWS_CONTAINER_CREDENTIALS_FULL_URI} + {@code AWS_CONTAINER_AUTHORIZATION_TOKEN}), which
     * is all a SnapStart function gets. Not the SDK's default chain: its profile-file and
     * instance-metadata providers cost start time and never apply on Lambda. The container
     * provider caches what it fetched (during priming, with SnapStart) and fetches again from a
     * minute before the credentials' expiration, so a snapshot restored later refreshes them on
     * its first call. The chain remembers the provider that answered, so a warm call asks only it.
     */
    public static AwsCredentialsProvider lambdaCredentials() {
        return AwsCredentialsProviderChain.builder()
                .reuseLastProviderEnabled(true)
                .credentialsProviders(
                        EnvironmentVariableCredentialsProvider.create(),
                        SystemPropertyCredentialsProvider.create(),
                        ContainerCredentialsProvider.builder().build())
                .build();
    }

    /** Each client is built on first use, once, with a lock of its own (two can be built at once). */
    public DynamoDbClient dynamo() {
        return dynamo.get(() -> configure(DynamoDbClient.builder()).build());
    }

    public KmsClient kms() {
        return kms.get(() -> configure(KmsClient.builder()).build());
    }

    public SecretsManagerClient secrets() {
        return secrets.get(() -> configure(SecretsManagerClient.builder()).build());
    }

    /**
     * What the url-connection client's default connection factory does (open, connect and read
     * timeouts), without the SSLContext it builds up front: that reads and parses the JDK's whole
     * trust store when the client is built, a large share of a cold start, even for a plain-HTTP
     * emulator. An HTTPS connection here uses the JDK's default SSL socket factory and hostname
     * verifier (the default trust store, full certificate and host name checks), created on first use.
     */
    static HttpURLConnection openConnection(URI uri) {
        try {
            HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
            c.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
            c.setReadTimeout((int) SOCKET_TIMEOUT.toMillis());
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a connection to " + uri.getHost(), e);
        }
    }

    private <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder) {
        builder.region(region)
                .credentialsProvider(credentials)
                .httpClient(http.get(() -> UrlConnectionHttpClient.create(AwsClients::openConnection)))
                .overrideConfiguration(override());
        if (endpointOverride != null) {
            builder.endpointOverride(endpointOverride);
        }
        return builder;
    }

    private ClientOverrideConfiguration override() {
        return ClientOverrideConfiguration.builder()
                .retryStrategy(retries.strategy())
                .apiCallAttemptTimeout(retries.attemptTimeout())
                .apiCallTimeout(retries.callTimeout())
                .build();
    }
}
