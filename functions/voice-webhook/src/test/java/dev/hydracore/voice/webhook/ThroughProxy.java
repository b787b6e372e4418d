package dev.hydracore.voice.webhook;

import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.aws.RetryPolicy;
import dev.hydracore.voice.testkit.AwsProxy;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestAws.TestCaller;
import dev.hydracore.voice.testkit.TestChannels;
import java.util.Optional;

/**
 * The webhook handler of the fault tests: its DynamoDB, KMS and Secrets Manager requests go through
 * a fault proxy in front of the test JVM's emulator, while the test's own setup and reads go to the
 * emulator directly. Closing it stops the proxy.
 */
final class ThroughProxy implements AutoCloseable {
    final TestAws aws;
    final TestChannels channels;
    final AwsProxy proxy;
    final VoiceWebhookHandler webhook;
    final TestCaller caller;

    private ThroughProxy(Optional<RetryPolicy> retries) throws Exception {
        aws = TestAws.shared();
        AdmissionLimitIT.aws = aws;
        channels = new TestChannels(aws);
        proxy = new AwsProxy(aws.aws().endpoint());
        Settings settings = aws.settings().with(Settings.PIPECAT_STREAM_URL, "wss://bot.test.invalid/ws");
        Services services = retries.isPresent()
                ? aws.servicesVia(proxy.endpoint(), settings, retries.get())
                : aws.servicesVia(proxy.endpoint(), settings);
        webhook = new VoiceWebhookHandler(services);
        caller = aws.newCaller();
    }

    /** With the webhook path's retry policy, as the function runs. */
    static ThroughProxy withWebhookRetries() throws Exception {
        return new ThroughProxy(Optional.of(RetryPolicy.WEBHOOK));
    }

    /** With the operator tools' patient retry policy (the test kit's default for named endpoints). */
    static ThroughProxy withToolRetries() throws Exception {
        return new ThroughProxy(Optional.empty());
    }

    @Override
    public void close() {
        proxy.close();
    }
}
