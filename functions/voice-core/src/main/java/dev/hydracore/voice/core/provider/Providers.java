package dev.hydracore.voice.core.provider;

import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.channel.VoiceField;
import dev.hydracore.voice.core.channel.VoiceProvider;
import dev.hydracore.voice.core.http.ApiException;
import java.util.Map;

/**
 * Opens a {@link ProviderSession} on a channel's provider account, at the deployment's API base
 * URLs ({@code TWILIO_API_BASE_URL}, {@code RETELL_API_BASE_URL}: origins without a trailing
 * slash, defaulting to the providers' own). One HTTP client for every session of the environment.
 */
public class Providers {
    public static final String TWILIO_DEFAULT = "https://api.twilio.com";
    public static final String RETELL_DEFAULT = "https://api.retellai.com";
    public static final String PROVIDER_UNAVAILABLE = "Voice provider unavailable";

    /** Seconds a client should wait before retrying after the provider failed. */
    static final String RETRY_AFTER_SECONDS = "5";

    private final ProviderHttp http;
    private final String twilioBase;
    private final String retellBase;

    public Providers(String twilioBase, String retellBase) {
        this.http = new ProviderHttp();
        this.twilioBase = origin(twilioBase);
        this.retellBase = origin(retellBase);
    }

    public static Providers of(Settings settings) {
        return new Providers(
                settings.get(Settings.TWILIO_API_BASE_URL).orElse(TWILIO_DEFAULT),
                settings.get(Settings.RETELL_API_BASE_URL).orElse(RETELL_DEFAULT));
    }

    /**
     * The session for {@code provider}'s account: Twilio (pipecat) with the account SID and auth
     * token, Retell with its API key, taken from the channel's opened {@code credentials}.
     */
    public ProviderSession open(VoiceProvider provider, String twilioAccountSid, Map<String, String> credentials) {
        return switch (provider) {
            case PIPECAT ->
                new TwilioSession(
                        http,
                        twilioBase,
                        twilioAccountSid,
                        credentials.getOrDefault(VoiceField.TWILIO_AUTH_TOKEN.wire(), ""));
            case RETELL -> new RetellSession(http, retellBase, credentials.getOrDefault(VoiceField.API_KEY.wire(), ""));
        };
    }

    /** The 503 a provider failure answers (timeout, 429, 5xx): nothing stored, nothing left changed. */
    public static ApiException unavailable() {
        return new ApiException(503, PROVIDER_UNAVAILABLE, Map.of("retry-after", RETRY_AFTER_SECONDS));
    }

    private static String origin(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
