package dev.hydracore.voice.core;

import dev.hydracore.voice.core.auth.Authenticator;
import dev.hydracore.voice.core.auth.Pepper;
import dev.hydracore.voice.core.auth.Tenancy;
import dev.hydracore.voice.core.aws.AwsClients;
import dev.hydracore.voice.core.aws.RetryPolicy;
import dev.hydracore.voice.core.crypto.CredentialVault;
import dev.hydracore.voice.core.http.Idempotency;
import dev.hydracore.voice.core.provider.ProviderCleanup;
import dev.hydracore.voice.core.provider.Providers;
import dev.hydracore.voice.core.store.ActiveCallsIndex;
import dev.hydracore.voice.core.store.ApiKeyStore;
import dev.hydracore.voice.core.store.CallRecordPurge;
import dev.hydracore.voice.core.store.CallTransitions;
import dev.hydracore.voice.core.store.ChannelStore;
import dev.hydracore.voice.core.store.CleanupJobs;
import dev.hydracore.voice.core.store.IdempotencyStore;
import dev.hydracore.voice.core.store.InboundAdmissions;
import dev.hydracore.voice.core.store.InstanceStore;
import dev.hydracore.voice.core.store.PurgeJobs;
import dev.hydracore.voice.core.store.SweepIndex;
import java.time.Clock;

/**
 * What a handler needs, wired by plain constructors: settings, SDK clients (created lazily, once),
 * and the stores and services built on them. A function builds one per execution environment;
 * tests build one per emulator.
 */
public final class Services {
    private final Settings settings;
    private final AwsClients aws;
    private final Clock clock;
    private volatile Authenticator authenticator;
    private volatile CredentialVault vault;
    private volatile Providers providers;

    public Services(Settings settings, AwsClients aws, Clock clock) {
        this.settings = settings;
        this.aws = aws;
        this.clock = clock;
    }

    public static Services fromEnvironment() {
        return fromEnvironment(RetryPolicy.API);
    }

    /** As a function runs: its settings from the environment, its AWS calls under {@code retries}. */
    public static Services fromEnvironment(RetryPolicy retries) {
        Settings settings = Settings.fromEnvironment();
        return new Services(settings, new AwsClients(settings.region(), retries), Clock.systemUTC());
    }

    public Settings settings() {
        return settings;
    }

    public AwsClients aws() {
        return aws;
    }

    public Clock clock() {
        return clock;
    }

    public InstanceStore instances() {
        return new InstanceStore(aws.dynamo(), settings.tableName(), clock);
    }

    public ApiKeyStore apiKeys() {
        return new ApiKeyStore(aws.dynamo(), settings.tableName());
    }

    public ChannelStore channels() {
        return new ChannelStore(aws.dynamo(), settings.tableName(), clock);
    }

    /** One per Services, so its data-key cache serves every request of the environment. */
    public synchronized CredentialVault vault() {
        if (vault == null) {
            vault = new CredentialVault(aws::kms, settings.require(Settings.KMS_KEY_ID), settings.dataKeyCacheTtl());
        }
        return vault;
    }

    /** The webhook's call transitions (and the sweeper's, through {@link #sweepIndex()}). */
    public CallTransitions callTransitions() {
        return new CallTransitions(aws.dynamo(), settings, clock);
    }

    /** Retell's call_inbound admissions (webhook) and their release (sweeper). */
    public InboundAdmissions inboundAdmissions() {
        return new InboundAdmissions(aws.dynamo(), settings, clock);
    }

    public ActiveCallsIndex activeCalls() {
        return new ActiveCallsIndex(aws.dynamo(), settings, clock);
    }

    public SweepIndex sweepIndex() {
        return new SweepIndex(aws.dynamo(), settings, callTransitions());
    }

    public CallRecordPurge callRecordPurge() {
        return new CallRecordPurge(aws.dynamo(), settings.tableName(), settings.queryPageLimit());
    }

    /** Setup's Idempotency-Key records, hashed with the API-key pepper. */
    public Idempotency idempotency() {
        return new Idempotency(
                new IdempotencyStore(aws.dynamo(), settings.tableName(), clock),
                authenticator().pepper());
    }

    /** Teardown queues purge jobs; the sweeper works them off. */
    public PurgeJobs purgeJobs() {
        return new PurgeJobs(aws.dynamo(), settings.tableName(), callRecordPurge(), clock);
    }

    /** The providers' APIs at the deployment's base URLs; one per Services, so one HTTP client per environment. */
    public synchronized Providers providers() {
        if (providers == null) {
            providers = Providers.of(settings);
        }
        return providers;
    }

    /** Provider clean-ups: teardown and setup queue them, the sweeper works them off. */
    public CleanupJobs cleanupJobs() {
        return new CleanupJobs(aws.dynamo(), settings.tableName(), clock);
    }

    public ProviderCleanup providerCleanup() {
        return new ProviderCleanup(
                cleanupJobs(), instances(), channels(), activeCalls(), this::vault, providers(), clock);
    }

    public Tenancy tenancy() {
        return new Tenancy(instances());
    }

    /**
     * Forgets every secret and cache held in memory: the pepper, validated API keys, decrypted data
     * keys. SnapStart calls it (through the handler's CRaC hook) after priming, so a snapshot holds
     * none of them; the next request fetches what it needs again.
     */
    public synchronized void clearSecrets() {
        if (authenticator != null) {
            authenticator.clearSecrets();
        }
        if (vault != null) {
            vault.forgetCachedKeys();
        }
    }

    /**
     * Fetches now what the environment's first request would wait for: the API-key pepper, for a
     * function that has one (building its Secrets Manager client and the SDK's request path on the
     * way). {@link FunctionHandler} runs it on a thread of its own at on-demand init and after a
     * SnapStart restore, never before a snapshot. A function that seals or opens credentials
     * (KMS_KEY_ID set) has its KMS client built here too, after the pepper. A failure is the first
     * request's to meet again.
     */
    public void fetchAhead() {
        if (settings.get(Settings.PEPPER_SECRET_ID).isPresent()) {
            authenticator().pepper().bytes();
        }
        if (settings.get(Settings.KMS_KEY_ID).isPresent()) {
            aws.kms(); // built here, not in the handler's constructor or its first request
        }
    }

    /** One per Services, so its key cache is shared by every request of the environment. */
    public synchronized Authenticator authenticator() {
        if (authenticator == null) {
            authenticator = new Authenticator(
                    apiKeys(),
                    new Pepper(aws.secrets(), settings.require(Settings.PEPPER_SECRET_ID)),
                    settings.apiKeyCacheTtl());
        }
        return authenticator;
    }
}
