package dev.hydracore.voice.setup;

import dev.hydracore.voice.core.Deadline;
import dev.hydracore.voice.core.Log;
import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.auth.Authenticator;
import dev.hydracore.voice.core.auth.Principal;
import dev.hydracore.voice.core.auth.Tenancy;
import dev.hydracore.voice.core.channel.ChannelStatus;
import dev.hydracore.voice.core.channel.MergedSetup;
import dev.hydracore.voice.core.channel.SetupRequest;
import dev.hydracore.voice.core.channel.VoiceField;
import dev.hydracore.voice.core.crypto.CredentialVault;
import dev.hydracore.voice.core.http.ApiException;
import dev.hydracore.voice.core.http.ApiHandler;
import dev.hydracore.voice.core.http.ErrorDetail;
import dev.hydracore.voice.core.http.HttpRequest;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.http.Idempotency;
import dev.hydracore.voice.core.http.JsonBody;
import dev.hydracore.voice.core.http.ValidationException;
import dev.hydracore.voice.core.provider.SetupWiring;
import dev.hydracore.voice.core.store.ChannelRecord;
import dev.hydracore.voice.core.store.ChannelStore;
import dev.hydracore.voice.core.store.InstanceRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * POST /v1/instances/{instance_id}/channels/voice — Setup Voice.
 *
 * <p>All-or-nothing: the credential bundle is sealed (KMS) before the one conditional write
 * (DynamoDB), so a failure of either leaves the stored channel exactly as it was.
 */
public final class SetupVoiceHandler extends ApiHandler {
    static final String STORED_CREDENTIALS_UNREADABLE =
            "Stored voice credentials cannot be read; send every credential of the provider to replace them";

    /** Sample bodies for priming: one that validates, one with every kind of problem. No real secret. */
    static final String PRIMING_VALID_BODY =
            "{\"provider\":\"retell\",\"api_key\":\"priming_key_000000\",\"agent_id\":\"agent_priming\",\"phone_number\":\"+14155550100\"}";

    static final String PRIMING_INVALID_BODY = "{\"provider\":\"nope\",\"api_key\":7,\"phone_number\":\"x\"}";

    private final Authenticator authenticator;
    private final Tenancy tenancy;
    private final ChannelStore channels;
    private final CredentialVault vault;
    private final Settings settings;
    private final Idempotency idempotency;
    private final SetupWiring wiring;

    /** Lambda's entry: wires real clients from the function's environment. */
    public SetupVoiceHandler() {
        this(Services.fromEnvironment());
    }

    public SetupVoiceHandler(Services services) {
        super(services);
        this.authenticator = services.authenticator();
        this.tenancy = services.tenancy();
        this.channels = services.channels();
        this.vault = services.vault();
        this.settings = services.settings();
        this.idempotency = services.idempotency();
        this.wiring = new SetupWiring(services.providers(), services.cleanupJobs());
    }

    @Override
    protected HttpResponse handle(HttpRequest request) {
        Tenancy.Owned owned = tenancy.authorize(authenticator, request);
        Principal principal = owned.principal();
        InstanceRecord instance = owned.instance();
        String instanceId = instance.instanceId();
        SetupRequest setup = validated(request, instance);
        Optional<String> key = Idempotency.key(request);
        if (key.isEmpty()) {
            return setUp(principal, instance, setup);
        }
        // A retry of an answered request replays it: no KMS call, no DynamoDB write.
        return idempotency.run(
                principal.tenantId(), key.get(), instanceId, request.body(), () -> setUp(principal, instance, setup));
    }

    /**
     * The body, parsed; a bad Idempotency-Key header is reported together with the body's
     * problems (header before body, as FastAPI orders them), checked against what is stored now.
     */
    private static SetupRequest validated(HttpRequest request, InstanceRecord instance) {
        Optional<ErrorDetail> header = Idempotency.problem(request);
        if (header.isEmpty()) {
            return SetupRequest.of(JsonBody.read(request));
        }
        List<ErrorDetail> all = new ArrayList<>(List.of(header.get()));
        try {
            SetupRequest.of(JsonBody.read(request)).mergeOnto(instance.channel());
        } catch (ValidationException body) {
            all.addAll(body.errors());
        }
        throw new ValidationException(all);
    }

    private HttpResponse setUp(Principal principal, InstanceRecord instance, SetupRequest setup) {
        String instanceId = instance.instanceId();
        // One deadline for the provider work of both rounds: a second round gets what the first left.
        Deadline providerWork = SetupWiring.deadline();
        ChannelRecord saved;
        try {
            saved = configure(principal, instance, setup, providerWork);
        } catch (ChannelStore.ConcurrentChangeException first) {
            // Another setup or a teardown won the race: decide again on what is stored now, once.
            try {
                saved = configure(principal, tenancy.requireOwned(principal, instanceId), setup, providerWork);
            } catch (ChannelStore.ConcurrentChangeException second) {
                throw ApiException.changedConcurrently();
            }
        }
        return answer(saved);
    }

    /** The full request with a key no store holds: 401 before the body is looked at, so nothing can be written. */
    @Override
    protected List<PrimingRequest> primingRequests() {
        return List.of(PrimingRequest.withUnknownKey("POST", "/v1/instances/{instance_id}/channels/voice")
                .withBody(PRIMING_VALID_BODY));
    }

    /**
     * The body's parsing, validation and merge on built-in samples (pure code: no KMS, no
     * DynamoDB), the 422 answer, and the 200 body's serialization for an unconfigured instance.
     */
    @Override
    protected void warmUp() {
        for (String body : new String[] {PRIMING_VALID_BODY, PRIMING_INVALID_BODY, "{not json"}) {
            try {
                SetupRequest.of(JsonBody.parse(body.getBytes(StandardCharsets.UTF_8)))
                        .mergeOnto(Optional.empty())
                        .credentialNames();
            } catch (ValidationException expected) {
                expected.toResponse().body();
            }
        }
        ChannelStatus.of(Optional.empty()).toJson();
    }

    /**
     * Merge and validate (422), seal (KMS), wire the provider by {@code providerWork} (422, 503;
     * nothing left changed on failure), then one conditional write (DynamoDB): if it fails, the provider is put back; if it
     * succeeds, the objects the channel no longer uses get their previous values back.
     */
    private ChannelRecord configure(
            Principal principal, InstanceRecord instance, SetupRequest setup, Deadline providerWork) {
        String instanceId = instance.instanceId();
        Optional<ChannelRecord> stored = instance.channel();
        MergedSetup merged = setup.mergeOnto(stored);
        Supplier<Map<String, String>> storedBundle = new StoredBundle(vault, instanceId, stored);
        Map<String, String> credentials;
        try {
            credentials = merged.credentials(storedBundle);
        } catch (CredentialVault.UnreadableCredentialsException e) {
            // Tampered or moved ciphertext: nothing to merge from. The caller can still replace
            // every credential (then nothing stored needs opening) or tear the channel down.
            Log.warn("stored voice credentials unreadable", "instance_id", instanceId);
            throw new ApiException(409, STORED_CREDENTIALS_UNREADABLE);
        }
        CredentialVault.Sealed sealed = vault.seal(instanceId, credentials);
        String webhookUrl = settings.webhookUrl(instanceId);
        SetupWiring.Change change =
                wiring.prepare(providerWork, instanceId, stored, merged, credentials, sealed, storedBundle, webhookUrl);
        ChannelRecord saved;
        try {
            saved = channels.save(
                    instanceId,
                    principal.tenantId(),
                    merged.toConfig(webhookUrl, sealed, change.wiring().toJson()),
                    stored.map(ChannelRecord::generation));
        } catch (RuntimeException e) {
            change.undo();
            throw e;
        }
        change.release();
        return saved;
    }

    /** The status object, plus which credentials are configured (booleans only, never values). */
    private static HttpResponse answer(ChannelRecord saved) {
        Map<String, Boolean> configured = new LinkedHashMap<>();
        for (VoiceField f : VoiceField.credentials()) {
            configured.put(f.wire(), saved.credentialNames().contains(f.wire()));
        }
        return HttpResponse.json(200, ChannelStatus.of(Optional.of(saved)).toJson(configured));
    }

    /** The stored credential bundle, opened (KMS) at most once and only when something asks for it. */
    private static final class StoredBundle implements Supplier<Map<String, String>> {
        private final CredentialVault vault;
        private final String instanceId;
        private final Optional<ChannelRecord> stored;
        private Map<String, String> opened;

        StoredBundle(CredentialVault vault, String instanceId, Optional<ChannelRecord> stored) {
            this.vault = vault;
            this.instanceId = instanceId;
            this.stored = stored;
        }

        @Override
        public Map<String, String> get() {
            if (opened == null) {
                opened = vault.open(instanceId, stored.orElseThrow().sealed());
            }
            return opened;
        }
    }
}
