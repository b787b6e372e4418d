package dev.hydracore.voice.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hydracore.voice.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The API's docs page, a route of the local runtime only (not in template.yaml, not a function):
 * {@code GET /docs} is Swagger UI, served from the {@code org.webjars:swagger-ui} jar on this
 * module's classpath (no CDN), over {@code GET /openapi.json}, which is {@code infra/openapi.yaml}
 * as JSON with {@code servers} set to the origin the page was loaded from, so "Try it out" calls
 * this server, same origin, no CORS.
 */
public final class ApiDocs {
    public static final String DOCS_PATH = "/docs";
    public static final String DOCUMENT_PATH = "/openapi.json";
    private static final String ASSETS_PATH = "/docs/swagger-ui/";
    private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";
    /** One file of the webjar's flat directory: no slash, so no way out of it. */
    private static final Pattern ASSET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*\\.(js|css|png|html)");
    /** A Host header that names this loopback server (it binds 127.0.0.1 only). */
    private static final Pattern LOOPBACK_HOST = Pattern.compile("(127\\.0\\.0\\.1|localhost):[0-9]{1,5}");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Map<String, String> TYPES = Map.of(
            "js",
            "application/javascript; charset=utf-8",
            "css",
            "text/css; charset=utf-8",
            "png",
            "image/png",
            "html",
            "text/html; charset=utf-8");

    private final Path openApiYaml;
    private final String swaggerUiVersion;

    /** @param openApiYaml the OpenAPI document, read on every request (an edit shows on reload) */
    public ApiDocs(Path openApiYaml) {
        this.openApiYaml = openApiYaml;
        this.swaggerUiVersion = webjarVersion();
    }

    public String swaggerUiVersion() {
        return swaggerUiVersion;
    }

    /**
     * The answer for a docs route, or empty when the path is none of them (the gateway routes it).
     *
     * @param host the request's Host header (may be null)
     * @param baseUrl the server's own base URL, used when the Host header does not name it
     */
    public Optional<GatewayResponse> respond(String method, String rawPath, String host, String baseUrl) {
        boolean docs = rawPath.equals(DOCS_PATH) || rawPath.equals(DOCS_PATH + "/");
        boolean document = rawPath.equals(DOCUMENT_PATH);
        boolean asset = rawPath.startsWith(ASSETS_PATH);
        if (!docs && !document && !asset) {
            return Optional.empty();
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return Optional.of(
                    GatewayResponse.detail(405, "Method Not Allowed", List.of(Map.entry("allow", "GET, HEAD"))));
        }
        if (docs) {
            return Optional.of(ok("text/html; charset=utf-8", page().getBytes(StandardCharsets.UTF_8)));
        }
        if (document) {
            return Optional.of(ok("application/json", document(origin(host, baseUrl))));
        }
        String name = rawPath.substring(ASSETS_PATH.length());
        byte[] bytes = ASSET.matcher(name).matches() ? resource(WEBJAR + swaggerUiVersion + "/" + name) : null;
        if (bytes == null) {
            return Optional.of(GatewayResponse.detail(404, "Not Found", List.of()));
        }
        return Optional.of(ok(TYPES.get(name.substring(name.lastIndexOf('.') + 1)), bytes));
    }

    /** infra/openapi.yaml as JSON, its {@code servers} replaced by this server's origin. */
    byte[] document(String origin) {
        try {
            JsonNode doc = YAML.readTree(openApiYaml.toFile());
            ObjectNode server = Json.object()
                    .put("url", origin)
                    .put("description", "this ./hydra local (the docs page's own origin)");
            ((ObjectNode) doc).set("servers", Json.MAPPER.createArrayNode().add(server));
            return Json.MAPPER.writeValueAsBytes(doc);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + openApiYaml, e);
        }
    }

    static String origin(String host, String baseUrl) {
        return host != null && LOOPBACK_HOST.matcher(host.strip()).matches() ? "http://" + host.strip() : baseUrl;
    }

    /** Swagger UI over /openapi.json; the validator badge is off (it would call an outside service). */
    private String page() {
        return """
                <!doctype html>
                <html lang="en">
                <head>
                  <meta charset="utf-8">
                  <title>HydraCore Voice API</title>
                  <link rel="stylesheet" href="%1$sswagger-ui.css">
                  <link rel="icon" type="image/png" href="%1$sfavicon-32x32.png">
                </head>
                <body>
                  <div id="swagger-ui"></div>
                  <script src="%1$sswagger-ui-bundle.js"></script>
                  <script>
                    window.ui = SwaggerUIBundle({
                      url: "%2$s",
                      dom_id: "#swagger-ui",
                      deepLinking: true,
                      validatorUrl: null,
                      presets: [SwaggerUIBundle.presets.apis],
                      layout: "BaseLayout"
                    });
                  </script>
                </body>
                </html>
                """.formatted(ASSETS_PATH, DOCUMENT_PATH);
    }

    private static GatewayResponse ok(String contentType, byte[] body) {
        return new GatewayResponse(200, List.of(Map.entry("content-type", contentType)), body);
    }

    private static String webjarVersion() {
        try (InputStream in = ApiDocs.class
                .getClassLoader()
                .getResourceAsStream("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
            if (in == null) {
                throw new IllegalStateException(
                        "org.webjars:swagger-ui is not on the classpath (infra/voice-local/pom.xml)");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = ApiDocs.class.getClassLoader().getResourceAsStream(name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
