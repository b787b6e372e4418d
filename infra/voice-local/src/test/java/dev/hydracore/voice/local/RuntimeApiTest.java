package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Runtime API's routes, headers and status codes, as AWS's runtime clients require them. */
class RuntimeApiTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(RuntimeApi api, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://" + api.address() + "/2018-06-01/runtime/" + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(RuntimeApi api, String path, byte[] body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://" + api.address() + "/2018-06-01/runtime/" + path))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void nextHandsOutTheEventWithLambdasHeadersAndAResponseSettlesIt() throws Exception {
        try (RuntimeApi api = new RuntimeApi("arn:aws:lambda:us-east-1:000000000000:function:Fn:live")) {
            assertTrue(api.address().startsWith("127.0.0.1:"));
            long before = System.currentTimeMillis();
            RuntimeApi.Invocation inv = api.offer("req-1", "{\"a\":1}".getBytes(StandardCharsets.UTF_8), 3000);
            HttpResponse<String> next = get(api, "invocation/next");
            assertEquals(200, next.statusCode());
            assertEquals("{\"a\":1}", next.body());
            assertEquals(
                    "req-1",
                    next.headers().firstValue("Lambda-Runtime-Aws-Request-Id").orElseThrow());
            assertEquals(
                    "arn:aws:lambda:us-east-1:000000000000:function:Fn:live",
                    next.headers()
                            .firstValue("Lambda-Runtime-Invoked-Function-Arn")
                            .orElseThrow());
            long deadline = Long.parseLong(
                    next.headers().firstValue("Lambda-Runtime-Deadline-Ms").orElseThrow());
            assertTrue(
                    deadline >= before + 3000 && deadline <= System.currentTimeMillis() + 3000, "deadline " + deadline);
            assertTrue(next.headers()
                    .firstValue("Lambda-Runtime-Trace-Id")
                    .orElseThrow()
                    .startsWith("Root=1-"));
            assertFalse(
                    next.headers().firstValue("Lambda-Runtime-Client-Context").isPresent(), "none was given");

            assertEquals(
                    400,
                    post(api, "invocation/other-id/response", new byte[] {'1'}).statusCode(),
                    "unknown request id");
            assertFalse(inv.result().isDone());
            assertEquals(
                    202,
                    post(api, "invocation/req-1/response", "{\"ok\":true}".getBytes(StandardCharsets.UTF_8))
                            .statusCode());
            InvokeResult r = inv.result().get(1, TimeUnit.SECONDS);
            assertEquals(InvokeResult.Outcome.RESULT, r.outcome());
            assertEquals("{\"ok\":true}", r.payloadText());
            assertTrue(api.firstResponseNanos().isPresent());

            api.offer("req-ctx", "{}".getBytes(StandardCharsets.UTF_8), 3000, "eyJjdXN0b20iOnt9fQ==");
            assertEquals(
                    "eyJjdXN0b20iOnt9fQ==",
                    get(api, "invocation/next")
                            .headers()
                            .firstValue("Lambda-Runtime-Client-Context")
                            .orElseThrow());
        }
    }

    @Test
    void errorsAndInitErrorsAre202AndSettleTheInvocation() throws Exception {
        try (RuntimeApi api = new RuntimeApi("arn:test")) {
            RuntimeApi.Invocation inv = api.offer("req-2", "{}".getBytes(StandardCharsets.UTF_8), 3000);
            get(api, "invocation/next");
            assertEquals(
                    202,
                    post(api, "invocation/req-2/error", "{\"errorType\":\"X\"}".getBytes(StandardCharsets.UTF_8))
                            .statusCode());
            assertEquals(
                    InvokeResult.Outcome.FUNCTION_ERROR,
                    inv.result().get(1, TimeUnit.SECONDS).outcome());

            RuntimeApi.Invocation waiting = api.offer("req-3", "{}".getBytes(StandardCharsets.UTF_8), 3000);
            assertEquals(
                    202,
                    post(api, "init/error", "{\"errorType\":\"Init\"}".getBytes(StandardCharsets.UTF_8))
                            .statusCode());
            assertEquals(
                    InvokeResult.Outcome.INIT_ERROR,
                    waiting.result().get(1, TimeUnit.SECONDS).outcome());
            assertEquals(404, get(api, "no/such/route").statusCode());
        }
    }

    @Test
    void payloadsOverSixMegabytesAre413() throws Exception {
        try (RuntimeApi api = new RuntimeApi("arn:test")) {
            RuntimeApi.Invocation tooBig = api.offer("big", new byte[RuntimeApi.MAX_PAYLOAD_BYTES + 1], 3000);
            assertEquals(
                    InvokeResult.Outcome.FUNCTION_ERROR,
                    tooBig.result().get(1, TimeUnit.SECONDS).outcome(),
                    "an event over the limit never reaches the function");
            RuntimeApi.Invocation inv = api.offer("req-4", "{}".getBytes(StandardCharsets.UTF_8), 3000);
            assertEquals(
                    "req-4",
                    get(api, "invocation/next")
                            .headers()
                            .firstValue("Lambda-Runtime-Aws-Request-Id")
                            .orElseThrow());
            assertEquals(
                    413,
                    post(api, "invocation/req-4/response", new byte[RuntimeApi.MAX_PAYLOAD_BYTES + 1])
                            .statusCode());
            InvokeResult r = inv.result().get(1, TimeUnit.SECONDS);
            assertTrue(r.payloadText().contains("Function.ResponseSizeTooLarge"), r::payloadText);
            assertEquals(
                    202,
                    post(api, "invocation/req-4/error", "{}".getBytes(StandardCharsets.UTF_8))
                            .statusCode(),
                    "the client's error report that follows is accepted");
            assertTrue(
                    api.offer("ok", new byte[RuntimeApi.MAX_PAYLOAD_BYTES], 3000)
                                    .result()
                                    .isDone()
                            == false,
                    "exactly 6 MB is allowed");
        }
    }

    @Test
    void restoreNextIsAnsweredWhenTheFirstInvocationArrives() throws Exception {
        try (RuntimeApi api = new RuntimeApi("arn:test")) {
            var restore = http.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://" + api.address() + "/2018-06-01/runtime/restore/next"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            long until = System.nanoTime() + 5_000_000_000L;
            while (api.restoreRequestedNanos().isEmpty() && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertTrue(api.restoreRequestedNanos().isPresent());
            Thread.sleep(300);
            assertFalse(restore.isDone(), "the snapshot waits for an invocation");
            api.offer("req-5", "{}".getBytes(StandardCharsets.UTF_8), 3000);
            assertEquals(200, restore.get(2, TimeUnit.SECONDS).statusCode());
            assertTrue(api.restoredNanos().orElseThrow()
                    >= api.restoreRequestedNanos().orElseThrow());
            assertEquals(
                    202,
                    post(api, "restore/error", "{}".getBytes(StandardCharsets.UTF_8))
                            .statusCode());
        }
    }
}
