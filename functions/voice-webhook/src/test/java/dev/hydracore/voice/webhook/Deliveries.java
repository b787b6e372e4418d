package dev.hydracore.voice.webhook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.webhook.TimestampedHmac;
import dev.hydracore.voice.core.webhook.TwilioSignature;
import dev.hydracore.voice.testkit.TestChannels.Channel;
import dev.hydracore.voice.tooling.ApiEvents;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Provider requests as API Gateway delivers them, signed the way each provider signs. */
final class Deliveries {
    static final String ROUTE = "POST /v1/webhooks/voice/{instance_id}";

    private Deliveries() {}

    static ObjectNode request(
            String instanceId, String rawQuery, List<Map.Entry<String, String>> headers, byte[] body) {
        return ApiEvents.build(
                new ApiEvents.Request(
                        "POST",
                        "/v1/webhooks/voice/" + instanceId,
                        rawQuery,
                        headers,
                        body,
                        "voice.test.invalid",
                        "54.0.0.1"),
                ROUTE,
                Map.of("instance_id", instanceId));
    }

    static ObjectNode json(String instanceId, String signatureHeader, String signature, String body) {
        List<Map.Entry<String, String>> h = new ArrayList<>();
        h.add(Map.entry("content-type", "application/json"));
        if (signature != null) {
            h.add(Map.entry(signatureHeader, signature));
        }
        return request(instanceId, "", h, body.getBytes(StandardCharsets.UTF_8));
    }

    /** A Retell event, signed now with the channel's API key. */
    static ObjectNode retell(Channel c, String body) {
        return json(
                c.instanceId(),
                "x-retell-signature",
                TimestampedHmac.sign(
                        body.getBytes(StandardCharsets.UTF_8), c.secret("api_key"), System.currentTimeMillis()),
                body);
    }

    static String retellBody(String event, String callId, String caller, int turns) {
        StringBuilder transcript = new StringBuilder("[");
        for (int i = 0; i < turns; i++) {
            transcript
                    .append(i == 0 ? "" : ",")
                    .append("{\"role\":\"")
                    .append(i % 2 == 0 ? "agent" : "user")
                    .append("\",\"content\":\"turn ")
                    .append(i)
                    .append("\"}");
        }
        transcript.append(']');
        return "{\"event\":\"" + event + "\",\"call\":{\"call_id\":\"" + callId + "\",\"agent_id\":\"agent_test\","
                + "\"from_number\":\"" + caller + "\",\"to_number\":\"+14155550100\",\"transcript_object\":"
                + transcript + "}}";
    }

    /** A Pipecat bot event, signed now with the channel's webhook secret. */
    static ObjectNode bot(Channel c, String body) {
        return json(
                c.instanceId(),
                "x-hydra-signature",
                TimestampedHmac.sign(
                        body.getBytes(StandardCharsets.UTF_8), c.secret("webhook_secret"), System.currentTimeMillis()),
                body);
    }

    static String botBody(String event, String eventId, String callId, String caller) {
        return "{\"event\":\"" + event + "\",\"event_id\":\"" + eventId + "\",\"call_id\":\"" + callId
                + "\",\"caller_phone\":\""
                + caller + "\",\"occurred_at\":\"2026-11-25T08:00:00Z\""
                + (event.equals("call.turn") ? ",\"turn\":{\"role\":\"user\"}" : "") + "}";
    }

    /** A Twilio form post (base64-encoded by API Gateway, as HTTP APIs deliver form bodies), signed over the configured URL. */
    static ObjectNode twilio(Channel c, String rawQuery, List<Map.Entry<String, String>> params) {
        String url = VoiceWebhookHandler.signedUrl(c.webhookUrl(), rawQuery);
        return twilioSigned(
                c.instanceId(), rawQuery, params, TwilioSignature.sign(url, params, c.secret("twilio_auth_token")));
    }

    static ObjectNode twilioSigned(
            String instanceId, String rawQuery, List<Map.Entry<String, String>> params, String signature) {
        List<Map.Entry<String, String>> h = new ArrayList<>();
        h.add(Map.entry("content-type", "application/x-www-form-urlencoded; charset=utf-8"));
        h.add(Map.entry("user-agent", "TwilioProxy/1.1"));
        if (signature != null) {
            h.add(Map.entry("X-Twilio-Signature", signature));
        }
        return request(instanceId, rawQuery, h, form(params).getBytes(StandardCharsets.UTF_8));
    }

    static String form(List<Map.Entry<String, String>> params) {
        return params.stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    static List<Map.Entry<String, String>> twilioParams(
            String callSid, String caller, String status, boolean callback) {
        List<Map.Entry<String, String>> p = new ArrayList<>(List.of(
                Map.entry("AccountSid", "AC" + "0123456789abcdef".repeat(2)),
                Map.entry("ApiVersion", "2010-04-01"),
                Map.entry("CallSid", callSid),
                Map.entry("CallStatus", status),
                Map.entry("Called", "+14155550199"),
                Map.entry("Caller", caller),
                Map.entry("Direction", "inbound"),
                Map.entry("From", caller),
                Map.entry("To", "+14155550199")));
        if (callback) {
            p.add(Map.entry("CallbackSource", "call-progress-events"));
            p.add(Map.entry("SequenceNumber", "0"));
        }
        return p;
    }
}
