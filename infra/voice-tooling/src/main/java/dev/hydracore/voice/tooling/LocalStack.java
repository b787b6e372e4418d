package dev.hydracore.voice.tooling;

import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The Testcontainers path, for machines with Docker and a LocalStack account token
 * ({@code LOCALSTACK_AUTH_TOKEN}). Opt in with {@code HYDRA_TEST_AWS=localstack}; the image can be
 * changed with {@code HYDRA_LOCALSTACK_IMAGE}. The same tests then run against LocalStack.
 */
final class LocalStack {
    private LocalStack() {}

    static LocalAws start() {
        String image = System.getenv().getOrDefault("HYDRA_LOCALSTACK_IMAGE", "localstack/localstack:latest");
        LocalStackContainer container =
                new LocalStackContainer(DockerImageName.parse(image)).withServices("dynamodb", "kms", "secretsmanager");
        String token = System.getenv("LOCALSTACK_AUTH_TOKEN");
        if (token != null && !token.isBlank()) {
            container.withEnv("LOCALSTACK_AUTH_TOKEN", token);
        }
        container.start();
        return LocalAws.of(
                container.getEndpoint(),
                container.getRegion(),
                StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(container.getAccessKey(), container.getSecretKey())),
                container::stop);
    }
}
