package dev.hydracore.voice.tooling;

import dev.hydracore.voice.core.aws.AwsClients;
import java.net.URI;
import java.util.Locale;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The AWS the project runs against outside AWS. In order of preference:
 * <ol>
 *   <li>{@code AWS_ENDPOINT_URL} already set: that emulator (LocalStack, MiniStack, a moto you run);</li>
 *   <li>otherwise the emulator named by {@code HYDRA_TEST_AWS} (tests), else {@code HYDRA_EMULATOR}
 *       ({@code ./hydra local --emulator}), default {@code moto}:
 *     <ul>
 *       <li>{@code moto}: a moto server of our own on a free loopback port, stopped by {@link #close()};</li>
 *       <li>{@code ministack}: a MiniStack server of our own on a free loopback port, the same way;</li>
 *       <li>{@code localstack}: a Testcontainers LocalStack (needs Docker and, since March 2026,
 *           {@code LOCALSTACK_AUTH_TOKEN}).</li>
 *     </ul></li>
 * </ol>
 */
public final class LocalAws implements AutoCloseable {
    public static final String REGION = "us-east-1";
    private final URI endpoint;
    private final String region;
    private final AwsCredentialsProvider credentials;
    private final AutoCloseable owned;

    private LocalAws(URI endpoint, String region, AwsCredentialsProvider credentials, AutoCloseable owned) {
        this.endpoint = endpoint;
        this.region = region;
        this.credentials = credentials;
        this.owned = owned;
    }

    public static LocalAws start() {
        String external = System.getenv("AWS_ENDPOINT_URL");
        String region = System.getenv().getOrDefault("AWS_REGION", REGION);
        if (external != null && !external.isBlank()) {
            return new LocalAws(URI.create(external.trim()), region, emulatorCredentials(), null);
        }
        return switch (emulator()) {
            case "localstack" -> LocalStack.start();
            case "ministack" -> {
                EmulatorServer ministack = EmulatorServer.start(EmulatorServer.Kind.MINISTACK);
                yield new LocalAws(ministack.endpoint(), REGION, testCredentials(), ministack);
            }
            default -> {
                EmulatorServer moto = EmulatorServer.start(EmulatorServer.Kind.MOTO);
                yield new LocalAws(moto.endpoint(), REGION, testCredentials(), moto);
            }
        };
    }

    /**
     * The AWS a deployed stack lives in ({@code ./hydra local --stack}): the emulator AWS_ENDPOINT_URL
     * names, else AWS itself with the usual settings (the SDK's default credentials: AWS_PROFILE,
     * ~/.aws, environment; the region from AWS_REGION or AWS_DEFAULT_REGION). Never starts an
     * emulator; {@link #endpoint()} is null for AWS itself.
     */
    public static LocalAws deployed() {
        String external = System.getenv("AWS_ENDPOINT_URL");
        if (external != null && !external.isBlank()) {
            return new LocalAws(
                    URI.create(external.trim()),
                    System.getenv().getOrDefault("AWS_REGION", REGION),
                    emulatorCredentials(),
                    null);
        }
        String region = firstSetOrNull(System.getenv("AWS_REGION"), System.getenv("AWS_DEFAULT_REGION"));
        if (region == null) {
            throw new IllegalStateException("no region: set AWS_REGION (or AWS_ENDPOINT_URL for an emulator)");
        }
        return new LocalAws(
                null,
                region.trim(),
                software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider.builder()
                        .build(),
                null);
    }

    /** The emulator {@link #start()} runs when no AWS_ENDPOINT_URL is set: moto, ministack or localstack. */
    public static String emulator() {
        String mode = firstSet(System.getenv("HYDRA_TEST_AWS"), System.getenv("HYDRA_EMULATOR"), "moto")
                .trim()
                .toLowerCase(Locale.ROOT);
        return switch (mode) {
            case "moto", "ministack", "localstack" -> mode;
            default ->
                throw new IllegalArgumentException("unknown emulator '" + mode
                        + "' (HYDRA_TEST_AWS / HYDRA_EMULATOR): use moto, ministack or localstack");
        };
    }

    private static String firstSet(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        throw new IllegalStateException("no default");
    }

    private static String firstSetOrNull(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    private static AwsCredentialsProvider testCredentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    }

    static LocalAws of(URI endpoint, String region, AwsCredentialsProvider credentials, AutoCloseable owned) {
        return new LocalAws(endpoint, region, credentials, owned);
    }

    /** Emulators take any credentials; use the environment's if it has some, "test" otherwise. */
    static AwsCredentialsProvider emulatorCredentials() {
        String id = System.getenv("AWS_ACCESS_KEY_ID");
        String secret = System.getenv("AWS_SECRET_ACCESS_KEY");
        if (id != null && secret != null) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret));
        }
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    }

    /** The emulator's endpoint; null for AWS itself ({@link #deployed()} without AWS_ENDPOINT_URL). */
    public URI endpoint() {
        return endpoint;
    }

    public String region() {
        return region;
    }

    public AwsCredentialsProvider credentials() {
        return credentials;
    }

    public AwsClients clients() {
        return new AwsClients(region, endpoint, credentials);
    }

    /** True when this object started the emulator (and {@link #close()} stops it). */
    public boolean ownsEmulator() {
        return owned != null;
    }

    @Override
    public void close() {
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot stop the emulator", e);
            }
        }
    }
}
