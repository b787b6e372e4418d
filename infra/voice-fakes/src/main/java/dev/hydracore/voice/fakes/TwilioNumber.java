package dev.hydracore.voice.fakes;

import java.time.Instant;

/**
 * An IncomingPhoneNumber of a fake Twilio account: the fields provisioning reads and writes. A
 * {@code null} URL or SID is unset (Twilio answers {@code null}).
 */
public record TwilioNumber(
        String sid,
        String accountSid,
        String phoneNumber,
        String friendlyName,
        String voiceUrl,
        String voiceMethod,
        String voiceFallbackUrl,
        String voiceFallbackMethod,
        String statusCallback,
        String statusCallbackMethod,
        String voiceApplicationSid,
        String trunkSid,
        Instant dateCreated,
        Instant dateUpdated) {

    /** A number with no voice configuration, methods at Twilio's default (POST). */
    public static TwilioNumber of(String accountSid, String phoneNumber) {
        Instant now = Instant.now();
        return new TwilioNumber(
                "PN" + FakeProvider.randomHex(16),
                accountSid,
                phoneNumber,
                phoneNumber,
                null,
                "POST",
                null,
                "POST",
                null,
                "POST",
                null,
                null,
                now,
                now);
    }

    public TwilioNumber withVoiceUrl(String url) {
        return new TwilioNumber(
                sid,
                accountSid,
                phoneNumber,
                friendlyName,
                url,
                voiceMethod,
                voiceFallbackUrl,
                voiceFallbackMethod,
                statusCallback,
                statusCallbackMethod,
                voiceApplicationSid,
                trunkSid,
                dateCreated,
                Instant.now());
    }

    public TwilioNumber withVoiceMethod(String method) {
        return new TwilioNumber(
                sid,
                accountSid,
                phoneNumber,
                friendlyName,
                voiceUrl,
                method,
                voiceFallbackUrl,
                voiceFallbackMethod,
                statusCallback,
                statusCallbackMethod,
                voiceApplicationSid,
                trunkSid,
                dateCreated,
                Instant.now());
    }

    public TwilioNumber withStatusCallback(String url) {
        return new TwilioNumber(
                sid,
                accountSid,
                phoneNumber,
                friendlyName,
                voiceUrl,
                voiceMethod,
                voiceFallbackUrl,
                voiceFallbackMethod,
                url,
                statusCallbackMethod,
                voiceApplicationSid,
                trunkSid,
                dateCreated,
                Instant.now());
    }

    public TwilioNumber withStatusCallbackMethod(String method) {
        return new TwilioNumber(
                sid,
                accountSid,
                phoneNumber,
                friendlyName,
                voiceUrl,
                voiceMethod,
                voiceFallbackUrl,
                voiceFallbackMethod,
                statusCallback,
                method,
                voiceApplicationSid,
                trunkSid,
                dateCreated,
                Instant.now());
    }

    public TwilioNumber withVoiceFallbackUrl(String url) {
        return new TwilioNumber(
                sid,
                accountSid,
                phoneNumber,
                friendlyName,
                voiceUrl,
                voiceMethod,
                url,
                voiceFallbackMethod,
                statusCallback,
                statusCallbackMethod,
                voiceApplicationSid,
                trunkSid,
                dateCreated,
                Instant.now());
    }

    public TwilioNumber withVoiceFallbackMethod(String method) {
        return new TwilioNumber(
                sid,
                accountSid,
                phoneNumber,
                friendlyName,
                voiceUrl,
                voiceMethod,
                voiceFallbackUrl,
                method,
                statusCallback,
                statusCallbackMethod,
                voiceApplicationSid,
                trunkSid,
                dateCreated,
                Instant.now());
    }

    public TwilioNumber withFriendlyName(String name) {
        return new TwilioNumber(
                sid,
                accountSid,
                phoneNumber,
                name,
                voiceUrl,
                voiceMethod,
                voiceFallbackUrl,
                voiceFallbackMethod,
                statusCallback,
                statusCallbackMethod,
                voiceApplicationSid,
                trunkSid,
                dateCreated,
                Instant.now());
    }

    /** As Twilio does: setting a voice application removes the trunk. */
    public TwilioNumber withVoiceApplicationSid(String applicationSid) {
        return new TwilioNumber(
                sid,
                accountSid,
                phoneNumber,
                friendlyName,
                voiceUrl,
                voiceMethod,
                voiceFallbackUrl,
                voiceFallbackMethod,
                statusCallback,
                statusCallbackMethod,
                applicationSid,
                applicationSid == null ? trunkSid : null,
                dateCreated,
                Instant.now());
    }

    /** As Twilio does: setting a trunk removes the voice application. */
    public TwilioNumber withTrunkSid(String trunk) {
        return new TwilioNumber(
                sid,
                accountSid,
                phoneNumber,
                friendlyName,
                voiceUrl,
                voiceMethod,
                voiceFallbackUrl,
                voiceFallbackMethod,
                statusCallback,
                statusCallbackMethod,
                trunk == null ? voiceApplicationSid : null,
                trunk,
                dateCreated,
                Instant.now());
    }
}
