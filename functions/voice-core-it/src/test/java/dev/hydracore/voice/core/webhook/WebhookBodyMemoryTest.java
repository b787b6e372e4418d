package dev.hydracore.voice.core.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.JsonStreams;
import dev.hydracore.voice.core.http.HttpRequest;
import dev.hydracore.voice.testkit.RetellCallEvents;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Memory of reading a full-size Retell call_ended (the event as Lambda delivers it, to the parsed
 * transition): bytes this thread allocates, for the tree reading the webhook used to do and the
 * streamed reading it does now. Prints the figures; asserts only the bound the design promises —
 * about one copy of the body, whatever the transcript's size.
 */
class WebhookBodyMemoryTest {
    static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static byte[] event(String body) throws Exception {
        ObjectNode e = Json.object();
        e.put("version", "2.0");
        e.put("rawPath", "/v1/webhooks/voice/x");
        e.putObject("headers").put("content-type", "application/json").put("x-retell-signature", "v=1,d=0");
        e.putObject("requestContext").put("requestId", "r").putObject("http").put("method", "POST");
        e.put("body", body);
        e.put("isBase64Encoded", false);
        return Json.MAPPER.writeValueAsBytes(e);
    }

    /** What the webhook did before: the event as a tree, the body as a String and bytes, the body as a tree. */
    static long treeReading(byte[] event) throws Exception {
        JsonNode tree = JsonStreams.readTree(event);
        HttpRequest r = HttpRequest.fromEvent(tree);
        JsonNode body = Json.MAPPER.readTree(r.body());
        return body.path("call").path("transcript_object").size();
    }

    /** What it does now. */
    static long streamedReading(byte[] event) throws Exception {
        HttpRequest r = HttpRequest.fromEventBytes(event);
        return RetellEvents.parse(r.body()).change().turnsAtLeast();
    }

    static long allocated(Reading reading, byte[] event, long expectTurns) throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(expectTurns, reading.read(event)); // warm up: class loading and JIT are not the request's
        }
        long tid = Thread.currentThread().threadId();
        long before = THREADS.getThreadAllocatedBytes(tid);
        assertEquals(expectTurns, reading.read(event));
        return THREADS.getThreadAllocatedBytes(tid) - before;
    }

    @Test
    void memoryIsAboutOneCopyOfTheBodyWhateverTheTranscriptsSize() throws Exception {
        for (int size : new int[] {440 * 1024, 5_900_000}) {
            // é is two bytes: aim the UTF-8 size near {@code size}.
            String body = RetellCallEvents.callEnded("call_mem", "agent_mem", "+14155550123", (int) (size * 0.935))
                    .json();
            int bodyBytes = body.getBytes(StandardCharsets.UTF_8).length;
            byte[] event = event(body);
            long turns = Json.MAPPER
                    .readTree(body)
                    .path("call")
                    .path("transcript_object")
                    .size();
            long tree = allocated(WebhookBodyMemoryTest::treeReading, event, turns);
            long streamed = allocated(WebhookBodyMemoryTest::streamedReading, event, turns);
            System.out.printf(
                    Locale.ROOT,
                    "webhook body %,d bytes (event %,d): tree reading allocates %,d bytes (%.1fx the body),"
                            + " streamed reading %,d bytes (%.2fx)%n",
                    bodyBytes,
                    event.length,
                    tree,
                    (double) tree / bodyBytes,
                    streamed,
                    (double) streamed / bodyBytes);
            assertTrue(
                    streamed < bodyBytes * 1.25 + 512 * 1024,
                    "streamed reading holds about one copy of the body: " + streamed);
        }
    }

    interface Reading {
        long read(byte[] event) throws Exception;
    }
}
