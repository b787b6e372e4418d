package dev.hydracore.voice.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hydracore.voice.core.JsonStreams;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The default priming of a handler that does not override it: plumbing only, never the route's code. */
class ApiHandlerPrimingTest {

    @Test
    void defaultPrimingNeverRunsTheRouteCode() {
        Recording h = new Recording();
        h.beforeCheckpoint(null);
        h.afterRestore(null);
        assertEquals(0, h.handled.get());
    }

    @Test
    void thePrimingKeyIsWellFormedButNotAnIssuedKeyShape() {
        assertTrue(dev.hydracore.voice.core.auth.ApiKeys.wellFormed(ApiHandler.PRIMING_API_KEY));
        assertTrue(InstanceId.isValid(ApiHandler.PRIMING_INSTANCE_ID));
    }

    @Test
    void streamEntryPointReadsTheEventWithoutAnObjectMapper() throws Exception {
        Recording h = new Recording();
        String event = "{\"version\":\"2.0\",\"rawPath\":\"/x\",\"headers\":{\"X-Test\":\"1\"},"
                + "\"requestContext\":{\"http\":{\"method\":\"get\"},\"requestId\":\"r1\"},\"n\":[1,2.5,12345678901,true,null]}";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        h.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out, null);
        assertEquals(1, h.handled.get());
        assertEquals(
                "{\"statusCode\":200,\"headers\":{\"content-type\":\"application/json\"},\"body\":\"{}\",\"isBase64Encoded\":false}",
                out.toString(StandardCharsets.UTF_8));
        var tree = JsonStreams.readTree(event.getBytes(StandardCharsets.UTF_8));
        assertEquals(dev.hydracore.voice.core.Json.MAPPER.readTree(event), tree);
        assertTrue(JsonStreams.readTree(new byte[0]).isMissingNode());
    }

    static final class Recording extends ApiHandler {
        final AtomicInteger handled = new AtomicInteger();

        @Override
        protected HttpResponse handle(HttpRequest request) {
            handled.incrementAndGet();
            return HttpResponse.json(200, "{}");
        }
    }
}
