package dev.hydracore.voice.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.hydracore.voice.core.aws.AwsClients;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.crac.Core;
import org.crac.Resource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;

/**
 * A test function run under the runtime interface client: tries the credentials chain functions
 * used before (environment and system properties only) and {@link AwsClients#lambdaCredentials()},
 * and answers which of them resolved (never a credential). As a CRaC resource it resolves the new
 * chain before the snapshot, as priming does, so a test can watch what happens after restore.
 */
public final class CredentialsProbe implements RequestStreamHandler, Resource {
    private final AwsCredentialsProvider lambda = AwsClients.lambdaCredentials();
    private volatile String primed = "not run";

    @SuppressWarnings("this-escape")
    public CredentialsProbe() {
        Core.getGlobalContext().register(this);
    }

    /** The chain AwsClients built before SnapStart's credentials were taken into account. */
    static AwsCredentialsProvider oldChain() {
        return AwsCredentialsProviderChain.of(
                EnvironmentVariableCredentialsProvider.create(), SystemPropertyCredentialsProvider.create());
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        input.readAllBytes();
        String json = "{\"old_chain\":\"" + attempt(oldChain()) + "\",\"lambda_chain\":\"" + attempt(lambda)
                + "\",\"primed\":\"" + primed + "\",\"access_key_variable\":"
                + (System.getenv("AWS_ACCESS_KEY_ID") != null) + "}";
        output.write(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String attempt(AwsCredentialsProvider provider) {
        try {
            provider.resolveCredentials();
            return "resolved";
        } catch (RuntimeException e) {
            return "failed: " + e.getClass().getSimpleName();
        }
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        primed = attempt(lambda);
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // nothing to redo: the provider refreshes what has expired by itself
    }
}
