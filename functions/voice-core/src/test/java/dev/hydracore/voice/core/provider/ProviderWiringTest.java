package dev.hydracore.voice.core.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.Deadline;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.http.ValidationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The wiring rules as pure code, against an in-memory provider account. */
class ProviderWiringTest {
    static final String URL = "https://voice.test.invalid/v1/webhooks/voice/i1";
    static final String SID = "AC0123456789abcdef0123456789abcdef";
    static final String NUMBER = "+14155550100";

    @Test
    void aNewNumberIsReadFirstThenSetAndItsPreviousValuesKept() {
        Account account = Account.withNumber("PN1", NUMBER, "https://old.example/voice", false);
        ProviderWiring.Plan plan =
                ProviderWiring.wire(account, List.of(), ProviderWiring.twilio(SID, NUMBER, URL), deadline());
        assertEquals(URL, account.objects.get("PN1").get("VoiceUrl"));
        assertEquals(URL, account.objects.get("PN1").get("StatusCallback"));
        assertEquals("https://old.example/voice", plan.wired().get(0).previous().get("VoiceUrl"));
        assertEquals(List.of("locate PN1", "write PN1"), account.log);
    }

    @Test
    void aNumberRoutedByATwimlAppOrTrunkIs422AtTheNumberAndNothingIsWritten() {
        Account account = Account.withNumber("PN1", NUMBER, "", true);
        ValidationException e = assertThrows(
                ValidationException.class,
                () -> ProviderWiring.wire(account, List.of(), ProviderWiring.twilio(SID, NUMBER, URL), deadline()));
        assertEquals(List.of("body", "twilio_phone_number"), e.errors().get(0).loc());
        assertTrue(account.log.stream().noneMatch(l -> l.startsWith("write")));
    }

    @Test
    void refusedCredentialsAre422AtTheCredentialAndMissingObjectsAtTheirField() {
        Account refused = new Account();
        refused.refuse = true;
        ValidationException e = assertThrows(
                ValidationException.class,
                () -> ProviderWiring.wire(
                        refused, List.of(), ProviderWiring.retell("agent_1", NUMBER, URL), deadline()));
        assertEquals(1, e.errors().size());
        assertEquals(List.of("body", "api_key"), e.errors().get(0).loc());

        Account empty = new Account();
        ValidationException missing = assertThrows(
                ValidationException.class,
                () -> ProviderWiring.wire(empty, List.of(), ProviderWiring.retell("agent_1", NUMBER, URL), deadline()));
        assertEquals(
                List.of(List.of("body", "phone_number"), List.of("body", "agent_id")),
                missing.errors().stream().map(d -> d.loc()).toList());
    }

    @Test
    void aReSetupThatChangesNothingReadsButWritesNothingAndRewiresWhatWasPutBack() {
        Account account = Account.withNumber("PN1", NUMBER, "", false);
        ProviderWiring.Plan first =
                ProviderWiring.wire(account, List.of(), ProviderWiring.twilio(SID, NUMBER, URL), deadline());
        account.log.clear();
        ProviderWiring.Plan again =
                ProviderWiring.wire(account, first.wired(), ProviderWiring.twilio(SID, NUMBER, URL), deadline());
        assertEquals(List.of("read PN1"), account.log);
        assertEquals(first.wired(), again.wired());
        assertEquals(List.of(), again.released());
        // A setup whose answer was lost after its undo put the number back: the next one wires it again,
        // keeping the values found before the first.
        account.objects.get("PN1").put("VoiceUrl", "");
        account.log.clear();
        ProviderWiring.Plan healed =
                ProviderWiring.wire(account, first.wired(), ProviderWiring.twilio(SID, NUMBER, URL), deadline());
        assertEquals(List.of("read PN1", "write PN1"), account.log);
        assertEquals(URL, account.objects.get("PN1").get("VoiceUrl"));
        assertEquals(first.wired(), healed.wired());
    }

    @Test
    void aFailedWriteMidwayPutsBackWhatWasWrittenAndIsRethrown() {
        Account account = new Account();
        account.objects.put("+14155550100", fields("inbound_agents", "null", "inbound_webhook_url", "\"https://x\""));
        account.objects.put("agent_1", fields("webhook_url", "\"https://agent.example\""));
        account.failWritesTo = "agent_1";
        ProviderWiring.Failed failed = assertThrows(
                ProviderWiring.Failed.class,
                () -> ProviderWiring.wire(
                        account, List.of(), ProviderWiring.retell("agent_1", NUMBER, URL), deadline()));
        assertEquals(ProviderException.Kind.UNAVAILABLE, failed.getCause().kind());
        assertEquals("null", account.objects.get(NUMBER).get("inbound_agents"));
        assertEquals("\"https://x\"", account.objects.get(NUMBER).get("inbound_webhook_url"));
        // The agent's write failed with a 500: in doubt, and its undo failed too, so it is left to the clean-up.
        assertEquals(
                List.of("agent_1"),
                failed.notPutBack().stream().map(ProviderWiring.Write::id).toList());
        assertEquals(
                "\"https://agent.example\"", failed.notPutBack().get(0).before().get("webhook_url"));
    }

    @Test
    void aWriteThatTimesOutButLandedIsPutBackAndStillLeftToTheCleanup() {
        Account account = Account.withNumber("PN1", NUMBER, "https://old.example/voice", false);
        account.landThenTimeOut = "PN1";
        ProviderWiring.Failed failed = assertThrows(
                ProviderWiring.Failed.class,
                () -> ProviderWiring.wire(account, List.of(), ProviderWiring.twilio(SID, NUMBER, URL), deadline()));
        assertEquals(0, failed.getCause().status(), "a timeout");
        assertEquals(List.of("locate PN1", "write PN1", "write PN1"), account.log, "written, then put back");
        assertEquals("https://old.example/voice", account.objects.get("PN1").get("VoiceUrl"));
        assertEquals(
                List.of("PN1"),
                failed.notPutBack().stream().map(ProviderWiring.Write::id).toList(),
                "a write in doubt may land after its undo: the clean-up looks again");
    }

    @Test
    void aWriteTheProviderRefusedIsNotPutBack() {
        Account account = Account.withNumber("PN1", NUMBER, "https://old.example/voice", false);
        account.rejectWritesTo = "PN1";
        ProviderWiring.Failed failed = assertThrows(
                ProviderWiring.Failed.class,
                () -> ProviderWiring.wire(account, List.of(), ProviderWiring.twilio(SID, NUMBER, URL), deadline()));
        assertEquals(ProviderException.Kind.REJECTED, failed.getCause().kind());
        assertEquals(List.of("locate PN1"), account.log, "a 400 wrote nothing: nothing to put back");
        assertEquals(List.of(), failed.notPutBack());
    }

    @Test
    void restoreGivesBackOnlyTheFieldsThatStillHoldOurs() {
        Account account = Account.withNumber("PN1", NUMBER, "https://old.example/voice", false);
        Wiring.Wired wired = ProviderWiring.wire(
                        account, List.of(), ProviderWiring.twilio(SID, NUMBER, URL), deadline())
                .wired()
                .get(0);
        account.objects.get("PN1").put("VoiceUrl", "https://someone-else.example/voice");
        assertEquals(ProviderWiring.Restored.PARTLY_RESTORED, ProviderWiring.restore(account, wired, deadline()));
        assertEquals(
                "https://someone-else.example/voice", account.objects.get("PN1").get("VoiceUrl"));
        assertEquals("", account.objects.get("PN1").get("StatusCallback"));
        account.objects.remove("PN1");
        assertEquals(ProviderWiring.Restored.GONE, ProviderWiring.restore(account, wired, deadline()));
    }

    @Test
    void retellValuesCompareCanonically() throws Exception {
        assertEquals(
                RetellSession.oneAgent("a"),
                RetellSession.canonical(Json.MAPPER.readTree("[{\"weight\":1,\"agent_id\":\"a\"}]")));
        assertEquals("null", RetellSession.canonical(null));
        assertEquals(RetellSession.url("https://x"), RetellSession.canonical(Json.MAPPER.readTree("\"https://x\"")));
    }

    @Test
    void twilioFormsSendPlusAsPercent2B() {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("VoiceUrl", "https://h/v1?a=b c");
        form.put("To", "+14155550100");
        assertEquals("VoiceUrl=https%3A%2F%2Fh%2Fv1%3Fa%3Db+c&To=%2B14155550100", TwilioSession.form(form));
    }

    @Test
    void aDeadlineCapsEachRequest() {
        Deadline d = Deadline.in(Duration.ofMillis(100));
        assertTrue(d.cap(Duration.ofSeconds(3)).compareTo(Duration.ofMillis(100)) <= 0);
        assertEquals(Duration.ZERO, Deadline.in(Duration.ZERO).cap(Duration.ofSeconds(3)));
    }

    static Deadline deadline() {
        return Deadline.in(Duration.ofSeconds(5));
    }

    static Map<String, String> fields(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** One provider account in memory: objects by id (Twilio numbers also found by their number). */
    static final class Account implements ProviderSession {
        final Map<String, Map<String, String>> objects = new HashMap<>();
        final Map<String, String> sidByNumber = new HashMap<>();
        final Map<String, Boolean> routed = new HashMap<>();
        final List<String> log = new ArrayList<>();
        boolean refuse;
        String failWritesTo;
        /** Every write to this id fails with a 400, applying nothing. */
        String rejectWritesTo;
        /** The next write to this id is applied, then times out (its answer never comes). */
        String landThenTimeOut;

        static Account withNumber(String sid, String number, String voiceUrl, boolean routedElsewhere) {
            Account a = new Account();
            a.objects.put(
                    sid,
                    fields(
                            "VoiceUrl",
                            voiceUrl,
                            "VoiceMethod",
                            "POST",
                            "StatusCallback",
                            "",
                            "StatusCallbackMethod",
                            "POST"));
            a.sidByNumber.put(number, sid);
            a.routed.put(sid, routedElsewhere);
            return a;
        }

        @Override
        public Located locate(ProviderObject kind, String name, Deadline deadline) {
            check();
            String id = kind == ProviderObject.TWILIO_NUMBER ? sidByNumber.get(name) : name;
            if (id == null || !objects.containsKey(id)) {
                throw new ProviderException(ProviderException.Kind.NOT_FOUND, "fake", "locate", 404, null);
            }
            log.add("locate " + id);
            return new Located(id, Map.copyOf(objects.get(id)), routed.getOrDefault(id, false));
        }

        @Override
        public Map<String, String> read(ProviderObject kind, String id, Deadline deadline) {
            check();
            if (!objects.containsKey(id)) {
                throw new ProviderException(ProviderException.Kind.NOT_FOUND, "fake", "read", 404, null);
            }
            log.add("read " + id);
            return Map.copyOf(objects.get(id));
        }

        @Override
        public void write(ProviderObject kind, String id, Map<String, String> values, Deadline deadline) {
            check();
            if (id.equals(failWritesTo)) {
                throw new ProviderException(ProviderException.Kind.UNAVAILABLE, "fake", "write", 500, null);
            }
            if (id.equals(rejectWritesTo)) {
                throw new ProviderException(ProviderException.Kind.REJECTED, "fake", "write", 400, null);
            }
            log.add("write " + id);
            objects.get(id).putAll(values);
            if (id.equals(landThenTimeOut)) {
                landThenTimeOut = null; // the next write (the undo) answers
                throw new ProviderException(ProviderException.Kind.UNAVAILABLE, "fake", "write", 0, null);
            }
        }

        @Override
        public HangUp hangUp(String callId, Deadline deadline) {
            return HangUp.ALREADY_OVER;
        }

        private void check() {
            if (refuse) {
                throw new ProviderException(ProviderException.Kind.REFUSED_CREDENTIALS, "fake", "any", 401, null);
            }
        }
    }
}
