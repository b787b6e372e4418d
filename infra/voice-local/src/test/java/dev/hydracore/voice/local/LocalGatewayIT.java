package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;

/**
 * The local API Gateway over real HTTP, with {@link EchoHandler} running in a function JVM of its
 * own under the runtime interface client: the v2 event a route receives (checked with AWS's own event model and
 * the Lambda runtime's serializer), the response mapping, and API Gateway's error answers.
 */
class LocalGatewayIT {
    private static final String ECHO = "EchoFunction";
    private static final List<HttpRoute> ROUTES = List.of(
            new HttpRoute("GET", "/echo/{id}", ECHO),
            new HttpRoute("POST", "/echo/{proxy+}", ECHO),
            new HttpRoute("ANY", "/fail", ECHO),
            new HttpRoute("ANY", "/malformed", ECHO),
            new HttpRoute("ANY", "/sleep", ECHO),
            new HttpRoute("GET", "/whoami", ECHO));
    private static final LocalFunction FUNCTION =
            new LocalFunction(ECHO, EchoHandler.class.getName() + "::handleRequest", "unused", 256, 3, ROUTES);

    private static FunctionPool pool;
    private static LocalGateway gateway;
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        Path testClasses = Path.of(EchoHandler.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        FunctionLauncher launcher = new FunctionLauncher(
                new FunctionJvm(
                        JvmOptions.read(ProjectPaths.root()),
                        f -> List.of(testClasses),
                        f -> testClasses.resolve("no-such-cache.aot")),
                f -> LambdaEnvironment.of(
                        f,
                        Map.of("FROM_TEMPLATE", "yes"),
                        URI.create("http://127.0.0.1:9"),
                        "us-east-1",
                        AwsBasicCredentials.create("test", "test")));
        pool = new FunctionPool(FUNCTION, launcher, 2);
        gateway = new LocalGateway(new Router(ROUTES), (fn, id, event) -> pool.invoke(id, event), 0).start();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (pool != null) {
            pool.close();
            assertEquals(List.of(), pool.pids(), "no function JVM outlives its pool");
        }
    }

    private static URI uri(String pathAndQuery) {
        return URI.create(gateway.baseUrl() + pathAndQuery);
    }

    private static HttpResponse<byte[]> send(HttpRequest request) throws Exception {
        return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void binaryPostArrivesAsTheV2EventLambdaDelivers() throws Exception {
        byte[] body = new byte[256];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        Instant before = Instant.now().minusSeconds(1);
        HttpResponse<byte[]> response = send(HttpRequest.newBuilder(uri("/echo/a/b%20c?x=1&x=2&y=hello%20world&flag"))
                .header("Content-Type", "application/octet-stream")
                .header("X-Custom", "One")
                .header("X-Custom", "Two")
                .header("Cookie", "session=abc; theme=dark")
                .header("User-Agent", "hydra-test/1.0")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build());
        assertEquals(200, response.statusCode(), () -> new String(response.body(), StandardCharsets.UTF_8));

        // The event exactly as the function received it, read by the Lambda runtime's own serializer.
        byte[] eventBytes = response.body();
        PojoSerializer<APIGatewayV2HTTPEvent> serializer = LambdaEventSerializers.serializerFor(
                APIGatewayV2HTTPEvent.class, getClass().getClassLoader());
        APIGatewayV2HTTPEvent event = serializer.fromJson(new ByteArrayInputStream(eventBytes));
        assertEquals("2.0", event.getVersion());
        assertEquals("POST /echo/{proxy+}", event.getRouteKey());
        assertEquals("/echo/a/b%20c", event.getRawPath());
        assertEquals("x=1&x=2&y=hello%20world&flag", event.getRawQueryString());
        assertEquals(Map.of("x", "1,2", "y", "hello world", "flag", ""), event.getQueryStringParameters());
        assertEquals(Map.of("proxy", "a/b c"), event.getPathParameters());
        assertEquals(List.of("session=abc", "theme=dark"), event.getCookies());
        assertEquals("One,Two", event.getHeaders().get("x-custom"));
        assertEquals("application/octet-stream", event.getHeaders().get("content-type"));
        assertEquals("hydra-test/1.0", event.getHeaders().get("user-agent"));
        assertEquals("127.0.0.1", event.getHeaders().get("x-forwarded-for"));
        assertEquals("256", event.getHeaders().get("content-length"));
        assertFalse(event.getHeaders().containsKey("cookie"), "cookies travel in the cookies array only");
        event.getHeaders()
                .keySet()
                .forEach(k -> assertEquals(k.toLowerCase(java.util.Locale.ROOT), k, "header names are lower-case"));
        assertTrue(event.getIsBase64Encoded(), "a binary body arrives base64-encoded");
        assertArrayEquals(body, Base64.getDecoder().decode(event.getBody()));

        APIGatewayV2HTTPEvent.RequestContext ctx = event.getRequestContext();
        assertEquals("$default", ctx.getStage());
        assertEquals("POST /echo/{proxy+}", ctx.getRouteKey());
        assertEquals(response.headers().firstValue("apigw-requestid").orElseThrow(), ctx.getRequestId());
        assertEquals("127.0.0.1:" + gateway.port(), ctx.getDomainName());
        assertEquals("127", ctx.getDomainPrefix());
        assertEquals("123456789012", ctx.getAccountId());
        assertEquals("POST", ctx.getHttp().getMethod());
        assertEquals("/echo/a/b%20c", ctx.getHttp().getPath());
        assertEquals("HTTP/1.1", ctx.getHttp().getProtocol());
        assertEquals("127.0.0.1", ctx.getHttp().getSourceIp());
        assertEquals("hydra-test/1.0", ctx.getHttp().getUserAgent());
        Instant at = Instant.ofEpochMilli(ctx.getTimeEpoch());
        assertTrue(
                !at.isBefore(before) && !at.isAfter(Instant.now().plusSeconds(1)),
                "timeEpoch is the request's time: " + at);
        assertTrue(ctx.getTime().matches("\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} \\+0000"), ctx.getTime());

        // And the response mapping: headers, multi-value headers, one Set-Cookie per cookie.
        assertEquals("yes", response.headers().firstValue("x-echo").orElseThrow());
        assertEquals(List.of("a", "b"), response.headers().allValues("x-multi"));
        assertEquals(List.of("c1=v1", "c2=v2; Path=/"), response.headers().allValues("set-cookie"));
    }

    @Test
    void textBodiesArriveAsTextAndFormPostsBase64Encoded() throws Exception {
        JsonNode json = echo(HttpRequest.newBuilder(uri("/echo/json"))
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString("{\"a\":\"é\"}"))
                .build());
        assertFalse(json.path("isBase64Encoded").asBoolean(true));
        assertEquals("{\"a\":\"é\"}", json.path("body").asText());

        // HTTP APIs base64-encode form posts too (Twilio webhooks arrive like this).
        JsonNode form = echo(HttpRequest.newBuilder(uri("/echo/form"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("CallSid=CA1&From=%2B1415"))
                .build());
        assertTrue(form.path("isBase64Encoded").asBoolean(false));
        assertEquals(
                "CallSid=CA1&From=%2B1415",
                new String(Base64.getDecoder().decode(form.path("body").asText()), StandardCharsets.UTF_8));
    }

    @Test
    void getWithoutBodyHasNoBodyAndDecodedPathParameters() throws Exception {
        JsonNode e = echo(HttpRequest.newBuilder(uri("/echo/caf%C3%A9")).GET().build());
        assertEquals("GET /echo/{id}", e.path("routeKey").asText());
        assertEquals("café", e.path("pathParameters").path("id").asText());
        assertEquals("", e.path("rawQueryString").asText());
        assertTrue(e.path("queryStringParameters").isMissingNode(), "no query string, no queryStringParameters");
        assertNull(e.get("body"), "API Gateway sends no body field for an empty body");
        assertFalse(e.path("isBase64Encoded").asBoolean(true));
        assertTrue(e.path("cookies").isMissingNode());
    }

    private static JsonNode echo(HttpRequest request) throws Exception {
        HttpResponse<byte[]> r = send(request);
        assertEquals(200, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
        return Json.MAPPER.readTree(r.body());
    }

    @Test
    void unknownPathIs404AndKnownPathWithOtherMethodIs405() throws Exception {
        HttpResponse<byte[]> notFound =
                send(HttpRequest.newBuilder(uri("/nowhere")).GET().build());
        assertEquals(404, notFound.statusCode());
        assertEquals("{\"detail\":\"Not Found\"}", new String(notFound.body(), StandardCharsets.UTF_8));

        HttpResponse<byte[]> wrongMethod =
                send(HttpRequest.newBuilder(uri("/echo/a/b")).GET().build());
        assertEquals(405, wrongMethod.statusCode());
        assertEquals("{\"detail\":\"Method Not Allowed\"}", new String(wrongMethod.body(), StandardCharsets.UTF_8));
        assertEquals("POST", wrongMethod.headers().firstValue("allow").orElseThrow());
    }

    @Test
    void functionErrorsAndMalformedResponsesAre502LikeApiGateway() throws Exception {
        for (String path : List.of("/fail", "/malformed")) {
            HttpResponse<byte[]> r =
                    send(HttpRequest.newBuilder(uri(path)).GET().build());
            assertEquals(502, r.statusCode(), path);
            assertEquals(GatewayResponse.INTERNAL_ERROR, new String(r.body(), StandardCharsets.UTF_8), path);
        }
    }

    @Test
    void environmentStaysWarmHasOnlyLambdasEnvironmentAndIsReplacedAfterATimeout() throws Exception {
        JsonNode first = whoami();
        JsonNode second = whoami();
        assertEquals(
                first.path("pid").asLong(), second.path("pid").asLong(), "a warm environment serves the next request");
        assertNotEquals(
                ProcessHandle.current().pid(), first.path("pid").asLong(), "the function runs in a JVM of its own");
        assertEquals(ECHO, first.path("function").asText());
        assertEquals("http://127.0.0.1:9", first.path("endpoint").asText());
        assertEquals("null", first.path("home").asText(), "nothing of the parent's environment leaks into a function");

        long started = System.nanoTime();
        HttpResponse<byte[]> timedOut = send(HttpRequest.newBuilder(uri("/sleep"))
                .GET()
                .timeout(Duration.ofSeconds(30))
                .build());
        assertEquals(502, timedOut.statusCode());
        assertTrue(
                Duration.ofNanos(System.nanoTime() - started).toSeconds() < 10, "the function's 3 s Timeout applies");

        JsonNode after = whoami();
        assertFalse(
                ProcessHandle.of(first.path("pid").asLong())
                        .map(ProcessHandle::isAlive)
                        .orElse(false),
                "a timed-out environment is discarded");
        assertNotEquals(first.path("pid").asLong(), after.path("pid").asLong());
    }

    private static JsonNode whoami() throws Exception {
        return echo(HttpRequest.newBuilder(uri("/whoami")).GET().build());
    }

    @Test
    void bodyOverTenMegabytesIs413() throws Exception {
        byte[] big = new byte[LocalGateway.MAX_BODY_BYTES + 1];
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/echo/big"))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(big))
                .build());
        assertEquals(413, r.statusCode());
        assertNotNull(Json.MAPPER.readTree(r.body()).get("detail"));
    }
}
