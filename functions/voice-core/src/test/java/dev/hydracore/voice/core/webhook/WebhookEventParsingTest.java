package dev.hydracore.voice.core.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.calls.CallEvent;
import dev.hydracore.voice.core.calls.CallState;
import dev.hydracore.voice.core.http.ErrorDetail;
import dev.hydracore.voice.core.http.ValidationException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Provider bodies → what they mean for a call; malformed ones → 422 details. */
class WebhookEventParsingTest {

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static List<ErrorDetail> errors(Function<byte[], WebhookEvent> parser, String body) {
        return assertThrows(ValidationException.class, () -> parser.apply(b(body)))
                .errors();
    }

    @Test
    void retellEvents() {
        WebhookEvent started = RetellEvents.parse(
                b("{\"event\":\"call_started\",\"call\":{\"call_id\":\"call_1\",\"from_number\":\"+14155550123\"}}"));
        assertEquals(
                new WebhookEvent(
                        "call_1",
                        new CallEvent(CallState.IN_PROGRESS, -1, null, "+14155550123"),
                        false,
                        "+14155550123"),
                started);
        WebhookEvent transcript =
                RetellEvents.parse(b("{\"event_type\":\"transcript_updated\",\"call\":{\"call_id\":\"call_1\","
                        + "\"transcript_object\":[{\"role\":\"agent\"},{\"role\":\"user\"},{\"role\":\"agent\"}]}}"));
        assertEquals(CallEvent.transcript(3, null), transcript.change());
        WebhookEvent ended = RetellEvents.parse(
                b("{\"event\":\"call_ended\",\"call\":{\"call_id\":\"call_1\",\"transcript_object\":[{}]}}"));
        assertEquals(new CallEvent(CallState.ENDED, 1, null, null), ended.change());
        assertFalse(RetellEvents.parse(b("{\"event\":\"call_analyzed\",\"call\":{}}"))
                .changesState());
        assertFalse(RetellEvents.parse(b("{\"event\":\"something_new\"}")).changesState());
        // event wins over event_type when both are present.
        assertEquals(
                CallState.ENDED,
                RetellEvents.parse(b("{\"event\":\"call_ended\",\"event_type\":\"call_started\","
                                + "\"call\":{\"call_id\":\"c\"}}"))
                        .change()
                        .target());
    }

    @Test
    void retellInboundCallsAndTheAdmissionTheirCallsCarryBack() {
        WebhookEvent inbound =
                RetellEvents.parse(b("{\"event\":\"call_inbound\",\"call_inbound\":{\"agent_id\":\"agent_1\","
                        + "\"from_number\":\"+14155550123\",\"to_number\":\"+14155550100\"}}"));
        assertTrue(inbound.retellInbound());
        assertNull(inbound.callId());
        assertFalse(inbound.changesState());
        assertEquals("+14155550123", inbound.callerPhone());
        assertEquals(
                List.of(ErrorDetail.of("Field required", "missing", "body", "call_inbound")),
                errors(RetellEvents::parse, "{\"event\":\"call_inbound\"}"));
        assertEquals(
                "dict_type",
                errors(RetellEvents::parse, "{\"event\":\"call_inbound\",\"call_inbound\":7}")
                        .get(0)
                        .type());

        String id = "0b0e7c4e-5d7f-4c1a-9a53-1f6a2b3c4d5e";
        WebhookEvent claimed = RetellEvents.parse(b("{\"event\":\"call_started\",\"call\":{\"call_id\":\"call_1\","
                + "\"metadata\":{\"hydra_admission\":\"" + id + "\",\"crm\":\"x\"}}}"));
        assertEquals(id, claimed.admissionId());
        assertFalse(claimed.retellInbound());
        // Anything else in that place is not ours: no admission to claim.
        for (String metadata :
                List.of("{\"hydra_admission\":\"not-a-uuid\"}", "{\"hydra_admission\":7}", "\"text\"", "{}")) {
            assertNull(
                    RetellEvents.parse(b("{\"event\":\"call_started\",\"call\":{\"call_id\":\"call_1\",\"metadata\":"
                                    + metadata + "}}"))
                            .admissionId(),
                    metadata);
        }
    }

    @Test
    void malformedRetellBodies() {
        assertEquals(
                "json_invalid",
                errors(RetellEvents::parse, "{\"event\":").get(0).type());
        assertEquals("json_invalid", errors(RetellEvents::parse, "").get(0).type());
        assertEquals("json_invalid", errors(RetellEvents::parse, "{} {}").get(0).type());
        assertEquals(
                "model_attributes_type",
                errors(RetellEvents::parse, "[1]").get(0).type());
        assertEquals(
                List.of(ErrorDetail.of("Field required", "missing", "body", "event")),
                errors(RetellEvents::parse, "{}"));
        assertEquals(
                List.of("body", "event"),
                errors(RetellEvents::parse, "{\"event\":3}").get(0).loc());
        assertEquals(
                List.of(ErrorDetail.of("Field required", "missing", "body", "call")),
                errors(RetellEvents::parse, "{\"event\":\"call_started\"}"));
        assertEquals(
                "dict_type",
                errors(RetellEvents::parse, "{\"event\":\"call_started\",\"call\":[]}")
                        .get(0)
                        .type());
        List<ErrorDetail> two = errors(
                RetellEvents::parse,
                "{\"event\":\"call_ended\",\"call\":{\"from_number\":5,\"transcript_object\":{}}}");
        assertEquals(3, two.size());
        assertEquals(List.of("body", "call", "call_id"), two.get(0).loc());
        assertEquals("missing", two.get(0).type());
        assertEquals("string_type", two.get(1).type());
        assertEquals("list_type", two.get(2).type());
        ErrorDetail hash = errors(RetellEvents::parse, "{\"event\":\"call_started\",\"call\":{\"call_id\":\"a#b\"}}")
                .get(0);
        assertEquals("string_pattern_mismatch", hash.type());
        assertFalse(hash.msg().contains("a#b"));
    }

    @Test
    void botEvents() {
        String id = "3f0e8c1a-2b4d-4c6e-8f00-112233445566";
        WebhookEvent turn = BotEvents.parse(b("{\"event\":\"call.turn\",\"event_id\":\"" + id.toUpperCase()
                + "\",\"call_id\":\"CA1\",\"caller_phone\":\"+14155550123\",\"occurred_at\":\"2026-11-25T08:00:00Z\","
                + "\"turn\":{\"role\":\"user\"}}"));
        assertEquals(CallEvent.turn(id, "+14155550123"), turn.change());
        assertEquals("CA1", turn.callId());
        assertEquals(
                CallState.IN_PROGRESS,
                BotEvents.parse(b("{\"event\":\"call.started\",\"call_id\":\"CA1\"}"))
                        .change()
                        .target());
        assertEquals(
                CallState.ENDED,
                BotEvents.parse(b("{\"event\":\"call.ended\",\"event_id\":\"" + id + "\",\"call_id\":\"CA1\"}"))
                        .change()
                        .target());
        assertFalse(BotEvents.parse(b("{\"event\":\"call.muted\"}")).changesState());
        List<ErrorDetail> e = errors(
                BotEvents::parse,
                "{\"event\":\"call.turn\",\"call_id\":\"CA1\",\"occurred_at\":\"yesterday\","
                        + "\"turn\":{\"role\":\"robot\"}}");
        assertEquals(
                List.of(List.of("body", "event_id"), List.of("body", "occurred_at"), List.of("body", "turn", "role")),
                e.stream().map(ErrorDetail::loc).toList());
        assertEquals(
                "string_pattern_mismatch",
                errors(BotEvents::parse, "{\"event\":\"call.turn\",\"event_id\":\"nope\",\"call_id\":\"CA1\"}")
                        .get(0)
                        .type());
        assertEquals(
                List.of("body", "call_id"),
                errors(BotEvents::parse, "{\"event\":\"call.started\"}").get(0).loc());
    }

    @Test
    void twilioRequests() {
        WebhookEvent incoming =
                TwilioEvents.parse(TwilioFormAndTwimlTest.form("CallSid=CA1&From=%2B14155550123&CallStatus=ringing"));
        assertTrue(incoming.incomingCall());
        assertEquals(CallEvent.state(CallState.RINGING, "+14155550123"), incoming.change());
        WebhookEvent callback = TwilioEvents.parse(TwilioFormAndTwimlTest.form(
                "CallSid=CA1&Caller=%2B1&CallStatus=ringing&CallbackSource=call-progress-events"));
        assertFalse(callback.incomingCall());
        assertEquals("+1", callback.callerPhone());
        assertEquals(
                CallState.RINGING,
                TwilioEvents.parse(TwilioFormAndTwimlTest.form("CallSid=CA1&CallStatus=queued"))
                        .change()
                        .target());
        assertEquals(
                CallState.IN_PROGRESS,
                TwilioEvents.parse(TwilioFormAndTwimlTest.form("CallSid=CA1&CallStatus=in-progress"))
                        .change()
                        .target());
        for (String s : List.of("completed", "busy", "failed", "no-answer", "canceled")) {
            assertEquals(
                    CallState.ENDED,
                    TwilioEvents.parse(TwilioFormAndTwimlTest.form("CallSid=CA1&CallStatus=" + s))
                            .change()
                            .target(),
                    s);
        }
        WebhookEvent unknown = TwilioEvents.parse(TwilioFormAndTwimlTest.form("CallSid=CA1&CallStatus=initiated"));
        assertNull(unknown.change());
        List<ErrorDetail> e = assertThrows(
                        ValidationException.class, () -> TwilioEvents.parse(TwilioFormAndTwimlTest.form("From=1")))
                .errors();
        assertEquals(
                List.of(List.of("body", "CallSid"), List.of("body", "CallStatus")),
                e.stream().map(ErrorDetail::loc).toList());
    }
}
