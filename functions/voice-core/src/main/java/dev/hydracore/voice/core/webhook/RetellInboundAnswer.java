package dev.hydracore.voice.core.webhook;

import dev.hydracore.voice.core.JsonStreams;

/** The answer to Retell's inbound-call webhook ({@code call_inbound}). */
public final class RetellInboundAnswer {
    private RetellInboundAnswer() {}

    /**
     * {@code {"call_inbound":{"override_agent_id":…,"metadata":{"hydra_admission":…}}}}; no agent:
     * Retell declines the call.
     */
    public static String json(String agentId, String admissionId) {
        return JsonStreams.write(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("call_inbound");
            if (agentId != null) {
                g.writeStringField("override_agent_id", agentId);
                if (admissionId != null) {
                    g.writeObjectFieldStart("metadata");
                    g.writeStringField(WebhookEvent.ADMISSION_METADATA, admissionId);
                    g.writeEndObject();
                }
            }
            g.writeEndObject();
            g.writeEndObject();
        });
    }
}
