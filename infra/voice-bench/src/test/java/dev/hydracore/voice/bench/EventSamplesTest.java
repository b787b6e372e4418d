package dev.hydracore.voice.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import org.junit.jupiter.api.Test;

class EventSamplesTest {
    static final String KEY = "hk_abcdefghijkl_" + "A".repeat(43);
    static final String IID = "497f6eca-6276-4993-bfeb-53cbbbba6f08";

    @Test
    void keyAndInstanceAreSwappedInWhereTheSampleHasThem() throws Exception {
        JsonNode sample = Json.MAPPER.readTree("""
                {"rawPath":"/v1/instances/11111111-2222-3333-4444-555555555555/channels/voice",
                 "headers":{"Authorization":"Bearer hk_demo","x-api-key":"hk_demo","host":"h"},
                 "pathParameters":{"instance_id":"11111111-2222-3333-4444-555555555555"},
                 "requestContext":{"http":{"method":"GET","path":"/v1/instances/11111111-2222-3333-4444-555555555555/channels/voice"}}}""");
        JsonNode out = EventSamples.prepare(sample, KEY, IID);
        assertEquals("Bearer " + KEY, out.path("headers").path("Authorization").asText());
        assertEquals(KEY, out.path("headers").path("x-api-key").asText());
        assertEquals("h", out.path("headers").path("host").asText());
        assertEquals(IID, out.path("pathParameters").path("instance_id").asText());
        assertEquals(
                "/v1/instances/" + IID + "/channels/voice", out.path("rawPath").asText());
        assertEquals(
                "/v1/instances/" + IID + "/channels/voice",
                out.path("requestContext").path("http").path("path").asText());
        assertEquals(
                "Bearer hk_demo",
                sample.path("headers").path("Authorization").asText(),
                "the sample itself is untouched");
    }

    @Test
    void eventsWithoutHeadersOrInstanceAreLeftAsTheyAre() throws Exception {
        JsonNode schedule =
                Json.MAPPER.readTree("{\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\",\"detail\":{}}");
        assertEquals(schedule, EventSamples.prepare(schedule, KEY, IID));
        JsonNode webhook = Json.MAPPER.readTree("{\"headers\":{\"x-twilio-signature\":\"abc\"},\"body\":\"x\"}");
        JsonNode out = EventSamples.prepare(webhook, KEY, IID);
        assertEquals(webhook, out);
        assertFalse(out.toString().contains(KEY));
    }
}
