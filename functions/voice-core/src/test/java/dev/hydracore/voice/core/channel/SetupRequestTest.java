package dev.hydracore.voice.core.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.crypto.CredentialVault;
import dev.hydracore.voice.core.http.ErrorDetail;
import dev.hydracore.voice.core.http.ValidationException;
import dev.hydracore.voice.core.store.ChannelRecord;
import dev.hydracore.voice.core.store.ChannelStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The Setup Voice body rules and merge, without AWS. */
class SetupRequestTest {
    static final String SID = "AC0123456789abcdef0123456789ABCDEF";
    static final String RETELL = """
            {"api_key":"key_retell_000001","agent_id":"agent_1","phone_number":"+14155550100"}""";
    static final String PIPECAT = """
            {"provider":"pipecat","twilio_account_sid":"%s","twilio_auth_token":"tok_0123456789abcdef",
             "twilio_phone_number":"+14155550199","webhook_secret":"0123456789abcdef",
             "deepgram_api_key":"dg_1","anthropic_api_key":"an_1","cartesia_api_key":"ca_1"}""".formatted(SID);

    static ObjectNode body(String json) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static ObjectNode with(String json, String field, Object value) {
        ObjectNode b = body(json);
        if (value == null) {
            b.putNull(field);
        } else if (value instanceof JsonNode n) {
            b.set(field, n);
        } else {
            b.put(field, value.toString());
        }
        return b;
    }

    static MergedSetup merge(JsonNode body) {
        return SetupRequest.of(body).mergeOnto(Optional.empty());
    }

    static List<ErrorDetail> errors(JsonNode body, Optional<ChannelRecord> stored) {
        ValidationException e = assertThrows(
                ValidationException.class, () -> SetupRequest.of(body).mergeOnto(stored));
        return e.errors();
    }

    static List<ErrorDetail> errors(JsonNode body) {
        return errors(body, Optional.empty());
    }

    static ErrorDetail onlyError(JsonNode body) {
        List<ErrorDetail> errors = errors(body);
        assertEquals(1, errors.size(), errors.toString());
        return errors.get(0);
    }

    static void assertError(ErrorDetail d, String type, String msg, Object... loc) {
        assertEquals(List.of(loc), d.loc());
        assertEquals(type, d.type());
        assertEquals(msg, d.msg());
    }

    static ChannelRecord stored(String provider, String phone, String agentId, String sid, String... credentialNames) {
        return new ChannelRecord(
                provider,
                phone,
                "https://voice.test.invalid/v1/webhooks/voice/x",
                "gen-1",
                3,
                agentId,
                sid,
                new byte[] {1},
                new byte[32],
                Set.of(credentialNames),
                java.util.OptionalLong.empty());
    }

    @Test
    void aCompleteRetellBodyIsValidAndStoresOnlyTheKeySealed() {
        MergedSetup m = merge(body(RETELL));
        assertEquals(VoiceProvider.RETELL, m.provider());
        assertEquals(Set.of("api_key"), m.credentialNames());
        assertFalse(m.keepsStoredCredentials());
        assertEquals(Map.of("api_key", "key_retell_000001"), m.credentials(() -> fail("nothing stored to open")));
        CredentialVault.Sealed sealed = new CredentialVault.Sealed(new byte[] {9}, new byte[] {8});
        ChannelStore.ChannelConfig c = m.toConfig("https://w", sealed);
        assertEquals(
                new ChannelStore.ChannelConfig(
                        "retell", "+14155550100", "https://w", "agent_1", null, Set.of("api_key"), sealed),
                c);
    }

    @Test
    void aCompletePipecatBodyStoresTheTwilioNumberAsThePhoneNumber() {
        MergedSetup m = merge(body(PIPECAT));
        assertEquals(VoiceProvider.PIPECAT, m.provider());
        assertEquals(
                Set.of(
                        "twilio_auth_token",
                        "webhook_secret",
                        "deepgram_api_key",
                        "anthropic_api_key",
                        "cartesia_api_key"),
                m.credentialNames());
        ChannelStore.ChannelConfig c = m.toConfig("https://w", null);
        assertEquals("pipecat", c.provider());
        assertEquals("+14155550199", c.phoneNumber());
        assertEquals(SID, c.twilioAccountSid());
        assertNull(c.agentId());
    }

    @Test
    void openaiAloneCoversEveryPipecatStageAndSoDoesGoogle() {
        for (String key : List.of("openai_api_key", "google_api_key")) {
            ObjectNode b = body(PIPECAT);
            b.remove(List.of("deepgram_api_key", "anthropic_api_key", "cartesia_api_key"));
            b.put(key, "k");
            assertEquals(Set.of("twilio_auth_token", "webhook_secret", key), merge(b).credentialNames());
        }
    }

    @Test
    void unknownFieldsAreIgnoredAndNullMeansOmitted() {
        ObjectNode b = body(RETELL);
        b.put("voice_id", 12);
        b.putObject("nested").put("x", 1);
        b.putNull("webhook_secret");
        b.putNull("deepgram_api_key");
        assertEquals(Set.of("api_key"), merge(b).credentialNames());
        assertEquals("retell", merge(with(RETELL, "provider", null)).provider().wire());
    }

    @Test
    void fieldsTheProviderDoesNotUseAreCheckedButNotStored() {
        ObjectNode b = body(RETELL);
        b.put("openai_api_key", "sk_unused");
        b.put("twilio_account_sid", SID);
        MergedSetup m = merge(b);
        assertEquals(Set.of("api_key"), m.credentialNames());
        assertNull(m.toConfig("w", null).twilioAccountSid());
        assertFalse(m.credentials(() -> Map.of()).containsKey("openai_api_key"));
        assertError(
                onlyError(with(RETELL, "twilio_account_sid", "AC1")),
                "string_pattern_mismatch",
                "String should match pattern '^AC[0-9a-fA-F]{32}$'",
                "body",
                "twilio_account_sid");
    }

    @Test
    void aBodyThatIsNotAnObjectIsModelAttributesType() {
        for (String json : List.of("[]", "[{\"provider\":\"retell\"}]", "\"retell\"", "1", "true", "null")) {
            ValidationException e =
                    assertThrows(ValidationException.class, () -> SetupRequest.of(Json.MAPPER.readTree(json)));
            assertEquals(1, e.errors().size());
            assertError(
                    e.errors().get(0),
                    "model_attributes_type",
                    "Input should be a valid dictionary or object to extract fields from",
                    "body");
        }
    }

    @Test
    void providerIsALiteral() throws Exception {
        for (JsonNode bad : List.of(
                Json.MAPPER.readTree("\"vapi\""),
                Json.MAPPER.readTree("\"\""),
                Json.MAPPER.readTree("\"Retell\""),
                Json.MAPPER.readTree("1"),
                Json.MAPPER.readTree("[\"retell\"]"))) {
            assertError(
                    onlyError(with(RETELL, "provider", bad)),
                    "literal_error",
                    "Input should be 'retell' or 'pipecat'",
                    "body",
                    "provider");
        }
    }

    @Test
    void everyFieldIsAStringOnly() throws Exception {
        for (VoiceField f : VoiceField.values()) {
            if (f == VoiceField.PROVIDER) {
                continue;
            }
            for (String bad : List.of("12", "true", "{}", "[\"x\"]", "1.5")) {
                ObjectNode b = body(PIPECAT);
                b.setAll(body(RETELL));
                b.put("provider", "pipecat");
                b.set(f.wire(), Json.MAPPER.readTree(bad));
                ErrorDetail d = onlyError(b);
                assertError(d, "string_type", "Input should be a valid string", "body", f.wire());
            }
        }
    }

    @Test
    void phoneNumbersAreE164() {
        String msg = "String should match pattern '^\\+[1-9][0-9]{6,14}$'";
        for (String bad : List.of(
                "4155550100",
                "+0155550100",
                "+141555",
                "+1415555010012345",
                "+1 415 555 0100",
                "++14155550100",
                "+1415555010a",
                "tel:+14155550100")) {
            assertError(
                    onlyError(with(RETELL, "phone_number", bad)),
                    "string_pattern_mismatch",
                    msg,
                    "body",
                    "phone_number");
            assertError(
                    onlyError(with(PIPECAT, "twilio_phone_number", bad)),
                    "string_pattern_mismatch",
                    msg,
                    "body",
                    "twilio_phone_number");
        }
        for (String good : List.of("+1415555", "+141555501001234", "+442071838750")) {
            assertEquals(
                    good,
                    merge(with(RETELL, "phone_number", good))
                            .toConfig("w", null)
                            .phoneNumber());
        }
    }

    @Test
    void twilioAccountSidIsACPlus32Hex() {
        for (String bad : List.of(
                "AC0123456789abcdef0123456789abcde",
                "AC0123456789abcdef0123456789abcdef0",
                "ac0123456789abcdef0123456789abcdef",
                "AC0123456789abcdef0123456789abcdeg",
                "SK0123456789abcdef0123456789abcdef")) {
            assertError(
                    onlyError(with(PIPECAT, "twilio_account_sid", bad)),
                    "string_pattern_mismatch",
                    "String should match pattern '^AC[0-9a-fA-F]{32}$'",
                    "body",
                    "twilio_account_sid");
        }
    }

    @Test
    void providerSecretsHaveAtLeast16Characters() {
        assertError(
                onlyError(with(RETELL, "api_key", "0123456789abcde")),
                "string_too_short",
                "String should have at least 16 characters",
                "body",
                "api_key");
        assertError(
                onlyError(with(PIPECAT, "twilio_auth_token", "0123456789abcde")),
                "string_too_short",
                "String should have at least 16 characters",
                "body",
                "twilio_auth_token");
        assertEquals(
                Set.of("api_key"),
                merge(with(RETELL, "api_key", "0123456789abcdef")).credentialNames());
        assertTrue(merge(with(PIPECAT, "twilio_auth_token", "0123456789abcdef"))
                .credentialNames()
                .contains("twilio_auth_token"));
    }

    @Test
    void webhookSecretHasAtLeast16Characters() {
        assertError(
                onlyError(with(PIPECAT, "webhook_secret", "0123456789abcde")),
                "string_too_short",
                "String should have at least 16 characters",
                "body",
                "webhook_secret");
        // Characters, not bytes or UTF-16 units: 16 emoji are 16 characters.
        assertEquals(
                Set.of(
                        "twilio_auth_token",
                        "webhook_secret",
                        "deepgram_api_key",
                        "anthropic_api_key",
                        "cartesia_api_key"),
                merge(with(PIPECAT, "webhook_secret", "\uD83D\uDD11".repeat(16)))
                        .credentialNames());
        assertError(
                onlyError(with(PIPECAT, "webhook_secret", "\uD83D\uDD11".repeat(15))),
                "string_too_short",
                "String should have at least 16 characters",
                "body",
                "webhook_secret");
    }

    @Test
    void everyStringHasAtMost4096Characters() {
        for (VoiceField f : VoiceField.values()) {
            if (f == VoiceField.PROVIDER) {
                continue;
            }
            ObjectNode b = body(PIPECAT);
            b.setAll(body(RETELL));
            b.put(f.wire(), "a".repeat(4097));
            assertError(
                    onlyError(b), "string_too_long", "String should have at most 4096 characters", "body", f.wire());
        }
        // 4096 characters of four UTF-8 bytes each (8192 UTF-16 units) are within the bound.
        assertEquals(
                VoiceProvider.RETELL,
                merge(with(RETELL, "agent_id", "\uD83D\uDD11".repeat(4096))).provider());
        assertEquals(
                1, errors(with(RETELL, "agent_id", "\uD83D\uDD11".repeat(4097))).size());
    }

    @Test
    void controlCharactersAreRefused() {
        for (String bad : List.of("ab\u0000c", "line\nbreak", "tab\there", "del\u007f", "c1\u0085", "esc\u001b[0m")) {
            assertError(
                    onlyError(with(RETELL, "api_key", bad + "_0123456789abcdef")),
                    "value_error",
                    "Value error, String should not contain control characters",
                    "body",
                    "api_key");
        }
        assertEquals(
                Set.of("api_key"),
                merge(with(RETELL, "api_key", "ünïcödé key ✓ 0123456789")).credentialNames());
    }

    @Test
    void retellNeedsApiKeyAgentIdAndPhoneNumber() {
        List<ErrorDetail> e = errors(body("{}"));
        assertEquals(3, e.size());
        assertError(e.get(0), "missing", "Field required", "body", "api_key");
        assertError(e.get(1), "missing", "Field required", "body", "agent_id");
        assertError(e.get(2), "missing", "Field required", "body", "phone_number");
        // The reference's default api_key "" is no key.
        assertError(onlyError(with(RETELL, "api_key", "")), "missing", "Field required", "body", "api_key");
    }

    @Test
    void pipecatNeedsTwilioWebhookSecretAndAKeyPerStage() {
        List<ErrorDetail> e = errors(body("{\"provider\":\"pipecat\"}"));
        assertEquals(7, e.size(), e.toString());
        assertError(e.get(0), "missing", "Field required", "body", "twilio_account_sid");
        assertError(e.get(1), "missing", "Field required", "body", "twilio_auth_token");
        assertError(e.get(2), "missing", "Field required", "body", "twilio_phone_number");
        assertError(e.get(3), "missing", "Field required", "body", "webhook_secret");
        assertError(
                e.get(4),
                "missing",
                "At least one speech-to-text key is required: deepgram_api_key, openai_api_key or google_api_key",
                "body");
        assertError(
                e.get(5),
                "missing",
                "At least one language model key is required: openai_api_key, anthropic_api_key or google_api_key",
                "body");
        assertError(
                e.get(6),
                "missing",
                "At least one text-to-speech key is required: "
                        + "cartesia_api_key, elevenlabs_api_key, openai_api_key or google_api_key",
                "body");
    }

    @Test
    void oneMissingStageIsReportedAloneAtBody() {
        ObjectNode b = body(PIPECAT);
        b.remove("cartesia_api_key");
        b.put("deepgram_api_key", "dg");
        ErrorDetail d = onlyError(b);
        assertEquals(List.of("body"), d.loc());
        assertEquals("missing", d.type());
        assertTrue(
                d.msg().contains("cartesia_api_key")
                        && d.msg().contains("elevenlabs_api_key")
                        && d.msg().contains("openai_api_key")
                        && d.msg().contains("google_api_key"),
                d.msg());
    }

    @Test
    void everyProblemIsReportedAtOnceInFieldOrderThenRequirements() {
        ObjectNode b = body("{\"provider\":\"pipecat\"}");
        b.put("webhook_secret", "short");
        b.put("twilio_account_sid", 42);
        b.put("twilio_phone_number", "555");
        b.put("openai_api_key", "x\u0000");
        List<ErrorDetail> e = errors(b);
        assertEquals(5, e.size(), e.toString());
        assertError(
                e.get(0), "string_too_short", "String should have at least 16 characters", "body", "webhook_secret");
        assertError(e.get(1), "string_type", "Input should be a valid string", "body", "twilio_account_sid");
        assertError(
                e.get(2),
                "string_pattern_mismatch",
                "String should match pattern '^\\+[1-9][0-9]{6,14}$'",
                "body",
                "twilio_phone_number");
        assertError(
                e.get(3),
                "value_error",
                "Value error, String should not contain control characters",
                "body",
                "openai_api_key");
        // The invalid openai key is "present" (so no stage is reported missing); the auth token is not.
        assertError(e.get(4), "missing", "Field required", "body", "twilio_auth_token");
    }

    @Test
    void anInvalidProviderIsReportedWithTheFieldProblemsAndNoRequirements() {
        ObjectNode b = body("{\"provider\":\"vapi\",\"phone_number\":\"5\"}");
        List<ErrorDetail> e = errors(b);
        assertEquals(2, e.size());
        assertEquals("literal_error", e.get(0).type());
        assertEquals("string_pattern_mismatch", e.get(1).type());
    }

    @Test
    void noMessageEverContainsTheSubmittedValue() {
        String secret = "Zq8vSECRETvalue-0xDEADBEEF";
        List<ObjectNode> bodies = List.of(
                with(RETELL, "provider", secret),
                with(RETELL, "phone_number", secret),
                with(PIPECAT, "twilio_phone_number", secret),
                with(PIPECAT, "twilio_account_sid", secret),
                with(PIPECAT, "webhook_secret", secret.substring(0, 15)),
                with(RETELL, "api_key", secret + "\n"),
                with(RETELL, "agent_id", secret.repeat(200)),
                with("{\"provider\":\"pipecat\"}", "openai_api_key", secret + "\u0001"));
        for (ObjectNode b : bodies) {
            ValidationException e = assertThrows(
                    ValidationException.class, () -> SetupRequest.of(b).mergeOnto(Optional.empty()));
            String wire = e.toResponse().body();
            assertFalse(wire.contains(secret.substring(0, 12)), wire);
            assertFalse(e.getMessage().contains(secret.substring(0, 12)));
        }
    }

    @Test
    void sameProviderMergesOmittedFieldsKeepTheirStoredValues() {
        ChannelRecord c = stored("retell", "+14155550100", "agent_old", null, "api_key");
        MergedSetup m = SetupRequest.of(body("{\"agent_id\":\"agent_new\"}")).mergeOnto(Optional.of(c));
        assertTrue(m.keepsStoredCredentials());
        assertEquals(Map.of("api_key", "stored_key"), m.credentials(() -> Map.of("api_key", "stored_key")));
        ChannelStore.ChannelConfig cfg = m.toConfig("w", null);
        assertEquals("agent_new", cfg.agentId());
        assertEquals("+14155550100", cfg.phoneNumber());
    }

    @Test
    void rotatingOneKeyNeedsNoStoredValueOfIt() {
        ChannelRecord c =
                stored("pipecat", "+14155550199", null, SID, "twilio_auth_token", "webhook_secret", "openai_api_key");
        MergedSetup m = SetupRequest.of(body("{\"provider\":\"pipecat\",\"openai_api_key\":\"sk_new\"}"))
                .mergeOnto(Optional.of(c));
        assertEquals("pipecat", m.provider().wire());
        Map<String, String> bundle = m.credentials(
                () -> Map.of("twilio_auth_token", "t", "webhook_secret", "s".repeat(16), "openai_api_key", "sk_old"));
        assertEquals(
                Map.of("twilio_auth_token", "t", "webhook_secret", "s".repeat(16), "openai_api_key", "sk_new"), bundle);
        assertEquals(SID, m.toConfig("w", null).twilioAccountSid());
        assertEquals("+14155550199", m.toConfig("w", null).phoneNumber());
    }

    @Test
    void replacingEveryCredentialNeverOpensTheStoredBundle() {
        ChannelRecord c = stored("retell", "+14155550100", "agent_old", null, "api_key");
        MergedSetup m =
                SetupRequest.of(body("{\"api_key\":\"fresh_key_0123456789\"}")).mergeOnto(Optional.of(c));
        assertFalse(m.keepsStoredCredentials());
        assertEquals(Map.of("api_key", "fresh_key_0123456789"), m.credentials(() -> fail("must not open")));
    }

    @Test
    void anEmptyStringClearsAStoredValueAndTheMergedResultIsValidated() {
        ChannelRecord c = stored(
                "pipecat",
                "+14155550199",
                null,
                SID,
                "twilio_auth_token",
                "webhook_secret",
                "deepgram_api_key",
                "openai_api_key");
        MergedSetup m = SetupRequest.of(body("{\"provider\":\"pipecat\",\"deepgram_api_key\":\"\"}"))
                .mergeOnto(Optional.of(c));
        assertEquals(Set.of("twilio_auth_token", "webhook_secret", "openai_api_key"), m.credentialNames());
        List<ErrorDetail> e = errors(
                body("{\"provider\":\"pipecat\",\"openai_api_key\":\"\",\"twilio_phone_number\":\"\"}"),
                Optional.of(c));
        assertEquals(3, e.size(), e.toString());
        assertError(e.get(0), "missing", "Field required", "body", "twilio_phone_number");
        assertEquals(List.of("body"), e.get(1).loc());
        assertTrue(e.get(1).msg().startsWith("At least one language model key"));
        assertTrue(e.get(2).msg().startsWith("At least one text-to-speech key"));
    }

    @Test
    void aProviderChangeStartsFromNothing() {
        ChannelRecord c = stored("retell", "+14155550100", "agent_old", null, "api_key");
        List<ErrorDetail> e = errors(
                body("{\"provider\":\"pipecat\",\"twilio_auth_token\":\"tok_0123456789abcdef\"}"), Optional.of(c));
        assertEquals(6, e.size(), e.toString());
        MergedSetup m = SetupRequest.of(body(PIPECAT)).mergeOnto(Optional.of(c));
        assertFalse(m.keepsStoredCredentials());
        assertFalse(m.credentialNames().contains("api_key"));
        assertNull(m.toConfig("w", null).agentId());
        // ... and back: the pipecat credentials are not carried into retell.
        ChannelRecord p =
                stored("pipecat", "+14155550199", null, SID, "twilio_auth_token", "webhook_secret", "openai_api_key");
        MergedSetup back = SetupRequest.of(body(RETELL)).mergeOnto(Optional.of(p));
        assertEquals(Set.of("api_key"), back.credentialNames());
        assertNull(back.toConfig("w", null).twilioAccountSid());
    }

    @Test
    void anOmittedProviderIsRetellAsTheReferenceDefaultsIt() {
        ChannelRecord p =
                stored("pipecat", "+14155550199", null, SID, "twilio_auth_token", "webhook_secret", "openai_api_key");
        // On a pipecat channel, a body without provider is a change to retell: validated as one...
        List<ErrorDetail> e = errors(body("{\"openai_api_key\":\"sk_new\"}"), Optional.of(p));
        assertEquals(
                List.of("api_key", "agent_id", "phone_number"),
                e.stream().map(d -> d.loc().get(1)).toList());
        // ... and a pipecat merge names its provider.
        MergedSetup m = SetupRequest.of(body("{\"provider\":\"pipecat\",\"openai_api_key\":\"sk_new\"}"))
                .mergeOnto(Optional.of(p));
        assertEquals(VoiceProvider.PIPECAT, m.provider());
        assertTrue(m.keepsStoredCredentials());
        assertEquals(VoiceProvider.RETELL, merge(body(RETELL)).provider());
    }

    @Test
    void aKeptNameMissingFromTheOpenedBundleIsUnreadable() {
        ChannelRecord c = stored("retell", "+14155550100", "agent_old", null, "api_key");
        MergedSetup m = SetupRequest.of(body("{}")).mergeOnto(Optional.of(c));
        AtomicInteger opened = new AtomicInteger();
        assertThrows(
                CredentialVault.UnreadableCredentialsException.class,
                () -> m.credentials(() -> {
                    opened.incrementAndGet();
                    return Map.of();
                }));
        assertEquals(1, opened.get());
    }

    @Test
    void toStringNamesFieldsNeverValues() {
        String secret = "sk_live_visible_if_leaked_123";
        ObjectNode b = with(RETELL, "api_key", secret);
        SetupRequest r = SetupRequest.of(b);
        MergedSetup m = r.mergeOnto(Optional.empty());
        assertFalse(r.toString().contains(secret), r.toString());
        assertFalse(m.toString().contains(secret), m.toString());
        assertTrue(m.toString().contains("api_key"));
    }
}
