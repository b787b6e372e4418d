package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.tooling.CfnTemplate;
import dev.hydracore.voice.tooling.ProjectPaths;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * /docs and /openapi.json over real HTTP through the local gateway (no AWS, no function JVM: a
 * docs route never reaches one). The browser side is {@link ApiDocsBrowserIT}.
 */
class ApiDocsTest {
    private static final Path OPENAPI = ProjectPaths.root().resolve("infra/openapi.yaml");
    private static final AtomicInteger INVOKED = new AtomicInteger();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static LocalGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        List<HttpRoute> routes = List.of(new HttpRoute("GET", "/v1/ping", "PingFunction"));
        gateway = new LocalGateway(
                        new Router(routes),
                        (fn, id, event) -> {
                            INVOKED.incrementAndGet();
                            return new InvokeResult(
                                    InvokeResult.Outcome.RESULT, "{\"pong\":true}".getBytes(StandardCharsets.UTF_8));
                        },
                        0,
                        new ApiDocs(OPENAPI))
                .start();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private static HttpResponse<byte[]> send(String method, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                        .timeout(Duration.ofSeconds(10))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> get(String path) throws Exception {
        return send("GET", path);
    }

    @Test
    void openApiJsonIsTheYamlDocumentWithThisServerAsItsOnlyServer() throws Exception {
        int before = INVOKED.get();
        HttpResponse<byte[]> r = get("/openapi.json");
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
        JsonNode served = Json.MAPPER.readTree(r.body());

        ObjectNode expected = (ObjectNode) new ObjectMapper(new YAMLFactory()).readTree(OPENAPI.toFile());
        assertEquals(gateway.baseUrl(), served.at("/servers/0/url").asText());
        assertEquals(1, served.get("servers").size());
        expected.set("servers", served.get("servers"));
        assertEquals(expected, served, "everything but servers is infra/openapi.yaml as it is");
        assertEquals(before, INVOKED.get(), "no function runs for a docs route");
    }

    @Test
    void theServerIsTheOriginThePageWasLoadedFromWhenThatIsThisLoopbackServer() {
        String base = "http://127.0.0.1:3000";
        assertEquals("http://localhost:41234", ApiDocs.origin("localhost:41234", base));
        assertEquals("http://127.0.0.1:41234", ApiDocs.origin(" 127.0.0.1:41234 ", base));
        // Anything else is not echoed into the document: the server's own base URL stands.
        for (String host :
                new String[] {null, "", "evil.example:80", "localhost", "localhost:1/x", "127.0.0.1:80@evil"}) {
            assertEquals(base, ApiDocs.origin(host, base), String.valueOf(host));
        }
    }

    @Test
    void theDocumentDeclaresBothKeySchemesSoSwaggerUiOffersAuthorize() throws Exception {
        JsonNode doc = Json.MAPPER.readTree(get("/openapi.json").body());
        JsonNode schemes = doc.at("/components/securitySchemes");
        assertEquals("http", schemes.at("/bearer/type").asText());
        assertEquals("bearer", schemes.at("/bearer/scheme").asText());
        assertEquals("apiKey", schemes.at("/apiKeyHeader/type").asText());
        assertEquals("header", schemes.at("/apiKeyHeader/in").asText());
        assertEquals("X-Api-Key", schemes.at("/apiKeyHeader/name").asText());
        List<String> required = new ArrayList<>();
        doc.get("security").forEach(s -> s.fieldNames().forEachRemaining(required::add));
        assertEquals(List.of("bearer", "apiKeyHeader"), required);
    }

    @Test
    void docsIsSwaggerUiFromTheWebjarOverTheLocalDocument() throws Exception {
        for (String path : List.of("/docs", "/docs/")) {
            HttpResponse<byte[]> r = get(path);
            assertEquals(200, r.statusCode(), path);
            assertEquals(
                    "text/html; charset=utf-8",
                    r.headers().firstValue("content-type").orElse(""));
            String html = new String(r.body(), StandardCharsets.UTF_8);
            assertTrue(html.contains("url: \"/openapi.json\""), html);
            assertTrue(html.contains("validatorUrl: null"), "no call to an outside validator: " + html);
            Matcher refs = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(html);
            int assets = 0;
            while (refs.find()) {
                String ref = refs.group(1);
                assertTrue(ref.startsWith("/docs/swagger-ui/"), () -> "served by us, not a CDN: " + ref);
                HttpResponse<byte[]> asset = get(ref);
                assertEquals(200, asset.statusCode(), ref);
                assertTrue(asset.body().length > 0, ref);
                assets++;
            }
            assertEquals(3, assets, "stylesheet, icon and the bundle: " + html);
        }
        HttpResponse<byte[]> bundle = get("/docs/swagger-ui/swagger-ui-bundle.js");
        assertEquals(
                "application/javascript; charset=utf-8",
                bundle.headers().firstValue("content-type").orElse(""));
        assertTrue(new String(bundle.body(), StandardCharsets.UTF_8).contains("SwaggerUIBundle"));
        assertEquals(
                "text/css; charset=utf-8",
                get("/docs/swagger-ui/swagger-ui.css")
                        .headers()
                        .firstValue("content-type")
                        .orElse(""));
    }

    @Test
    void onlyTheWebjarsOwnFilesAreServed() throws Exception {
        for (String path : List.of(
                "/docs/swagger-ui/nope.js",
                "/docs/swagger-ui/../../pom.properties",
                "/docs/swagger-ui/%2e%2e/swagger-ui.css",
                "/docs/swagger-ui/META-INF/MANIFEST.MF",
                "/docs/swagger-ui/",
                "/docs/swagger-ui/swagger-ui-bundle.js.LICENSE.txt")) {
            HttpResponse<byte[]> r = get(path);
            assertEquals(404, r.statusCode(), path);
            assertEquals("{\"detail\":\"Not Found\"}", new String(r.body(), StandardCharsets.UTF_8), path);
        }
    }

    @Test
    void docsRoutesAnswerGetAndHeadOnly() throws Exception {
        HttpResponse<byte[]> head = send("HEAD", "/openapi.json");
        assertEquals(200, head.statusCode());
        assertEquals(0, head.body().length);
        for (String path : List.of("/docs", "/openapi.json", "/docs/swagger-ui/swagger-ui.css")) {
            HttpResponse<byte[]> post = send("POST", path);
            assertEquals(405, post.statusCode(), path);
            assertEquals("GET, HEAD", post.headers().firstValue("allow").orElse(""), path);
            assertEquals("{\"detail\":\"Method Not Allowed\"}", new String(post.body(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void templateRoutesStillReachTheirFunctions() throws Exception {
        int before = INVOKED.get();
        HttpResponse<byte[]> r = get("/v1/ping");
        assertEquals(200, r.statusCode());
        assertEquals("{\"pong\":true}", new String(r.body(), StandardCharsets.UTF_8));
        assertEquals(before + 1, INVOKED.get());
        assertEquals(404, get("/docsx").statusCode());
        assertEquals(404, get("/openapi.yaml").statusCode());
    }

    @Test
    void noTemplateRouteIsShadowedByTheDocsRoutes() {
        // The docs routes come first in the local gateway; they must not hide a deployed route.
        Router template = new Router(LocalFunction.fromTemplate(CfnTemplate.load(ProjectPaths.template())).stream()
                .flatMap(f -> f.routes().stream())
                .toList());
        for (String path : List.of("/docs", "/docs/", "/openapi.json", "/docs/swagger-ui/swagger-ui.css")) {
            assertInstanceOf(Router.NotFound.class, template.route("GET", path), path);
        }
    }

    @Test
    void aGatewayWithoutDocsHasNoDocsRoutes() throws Exception {
        try (LocalGateway bare = new LocalGateway(
                        new Router(List.of()),
                        (fn, id, event) -> {
                            throw new AssertionError("no route");
                        },
                        0)
                .start()) {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create(bare.baseUrl() + "/docs")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, r.statusCode());
        }
    }
}
