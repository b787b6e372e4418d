package dev.hydracore.voice.core.http;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.JsonStreams;
import dev.hydracore.voice.core.Log;
import dev.hydracore.voice.core.Services;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import org.crac.Core;
import org.crac.Resource;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Base of every HTTP route handler: API Gateway v2 event in, v2 response out, through the one
 * shared mapper (a stream handler, so no reflective event binding at cold start). Turns the
 * outcomes of {@link #handle(HttpRequest)} into the contract's statuses: a dependency failure is
 * a 503 with Retry-After, a bug a 500 whose body says nothing about the cause.
 *
 * <p>SnapStart: every handler registers itself as a CRaC {@link Resource}. Before the snapshot,
 * {@link #prime()} runs the handler's code path without writing anything, then every secret and
 * cache its {@link Services} hold is forgotten, so the snapshot holds no pepper, key or data key.
 * Outside SnapStart (local runs, a JVM without CRaC) the hooks never fire.
 */
public abstract class ApiHandler implements RequestStreamHandler, Resource {
    /**
     * A well-formed API key that no store holds (no key's HMAC matches it): priming authenticates
     * with it, which fetches the pepper and does one read-only key lookup, and is answered 401.
     */
    public static final String PRIMING_API_KEY = "hk_" + "a".repeat(12) + "_" + "A".repeat(43);
    /** The all-zero UUID, which the service never registers: what priming requests name. */
    public static final String PRIMING_INSTANCE_ID = "00000000-0000-0000-0000-000000000000";

    private final Services services;

    /** A handler whose secrets, if any, are not held in a {@link Services}. */
    protected ApiHandler() {
        this(null);
    }

    /** A handler built on {@code services}, whose secrets and caches are forgotten before a snapshot. */
    @SuppressWarnings("this-escape")
    protected ApiHandler(Services services) {
        this.services = services;
        Core.getGlobalContext().register(this);
    }

    @Override
    public final void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        respond(JsonStreams.readTree(input)).writeTo(output);
    }

    /** The whole request/response cycle for one event; public so priming and tests can drive it. */
    public final HttpResponse respond(JsonNode event) {
        HttpRequest request = HttpRequest.fromEvent(event);
        try {
            return handle(request);
        } catch (ApiException e) {
            return Responses.error(e);
        } catch (ValidationException e) {
            return Responses.validation(e);
        } catch (SdkException e) {
            Log.warn("dependency unavailable", "request_id", request.requestId(),
                    "exception", e.getClass().getSimpleName(), "aws_error_code", awsErrorCode(e));
            return Responses.error(ApiException.unavailable());
        } catch (RuntimeException e) {
            Log.error("unhandled failure", "request_id", request.requestId(),
                    "exception", e.getClass().getName(), "at", topFrame(e));
            return Responses.error(new ApiException(500, "Internal server error"));
        }
    }

    protected abstract HttpResponse handle(HttpRequest request);

    // --- SnapStart (CRaC) ------------------------------------------------------------------------

    /**
     * Exercises the handler's code before a snapshot, so the classes and JIT-compiled code of its
     * path are in it. It must never write data. The default runs the shared plumbing only (event
     * parsing, response writing) and no AWS call; a handler overrides it to run its real path
     * read-only, typically with {@link #primeWithUnknownKey}.
     */
    protected void prime() {
        ObjectNode event = primingEvent("GET", "GET /", "/", Map.of(), Map.of());
        HttpRequest.fromEvent(roundTrip(event));
        sink(Responses.error(ApiException.notAuthenticated()));
        sink(Responses.validation(new ValidationException(ErrorDetail.of("priming", "priming", "path", "priming"))));
    }

    /**
     * One full request through the Lambda entry point, authenticated with {@link #PRIMING_API_KEY}:
     * authentication fetches the pepper, looks the key up (a read) and answers 401 before the
     * route's own code could change anything.
     */
    protected final HttpResponse primeWithUnknownKey(String method, String routeKey, String rawPath,
                                                     Map<String, String> pathParameters) {
        return primeRequest(method, routeKey, rawPath, pathParameters,
                Map.of("authorization", "Bearer " + PRIMING_API_KEY), null);
    }

    /**
     * One full request through the Lambda entry point, with the given headers and body (null: none).
     * The caller chooses a request the route answers before any write (an unknown key, an
     * instance that is never registered).
     */
    protected final HttpResponse primeRequest(String method, String routeKey, String rawPath,
                                              Map<String, String> pathParameters, Map<String, String> headers, String body) {
        ObjectNode event = primingEvent(method, routeKey, rawPath, pathParameters, headers);
        if (body != null) {
            event.put("body", body);
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(512);
            handleRequest(new ByteArrayInputStream(Json.MAPPER.writeValueAsBytes(event)), out, null);
            JsonNode response = Json.MAPPER.readTree(out.toByteArray());
            return new HttpResponse(response.path("statusCode").asInt(), Map.of(), response.path("body").asText(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Forgets every secret and cache held in memory (pepper, API keys, data keys). */
    protected void forget() {
        if (services != null) {
            services.forget();
        }
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        try {
            prime();
        } catch (RuntimeException e) {
            // A snapshot without priming is slower, not wrong.
            Log.warn("snapstart priming failed", "exception", e.getClass().getSimpleName());
        } finally {
            forget();
        }
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to re-seed: secrets are fetched again on first use, SecureRandom reseeds itself.
    }

    /** The API Gateway v2 event a priming request sends (no body), for handlers that drive parts of their path directly. */
    protected static ObjectNode primingEvent(String method, String routeKey, String rawPath,
                                           Map<String, String> pathParameters, Map<String, String> headers) {
        ObjectNode e = Json.object();
        e.put("version", "2.0");
        e.put("routeKey", routeKey);
        e.put("rawPath", rawPath);
        e.put("rawQueryString", "");
        ObjectNode h = e.putObject("headers");
        h.put("content-type", HttpResponse.JSON);
        headers.forEach(h::put);
        if (!pathParameters.isEmpty()) {
            ObjectNode p = e.putObject("pathParameters");
            pathParameters.forEach(p::put);
        }
        ObjectNode ctx = e.putObject("requestContext");
        ctx.putObject("http").put("method", method).put("path", rawPath).put("protocol", "HTTP/1.1")
                .put("sourceIp", "127.0.0.1");
        ctx.put("requestId", "snapstart-priming");
        ctx.put("routeKey", routeKey);
        ctx.put("stage", "$default");
        e.put("isBase64Encoded", false);
        return e;
    }

    private static JsonNode roundTrip(JsonNode event) {
        try {
            return Json.MAPPER.readTree(Json.MAPPER.writeValueAsBytes(event));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sink(HttpResponse response) {
        try {
            response.writeTo(new ByteArrayOutputStream(256));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String awsErrorCode(SdkException e) {
        if (e instanceof AwsServiceException s && s.awsErrorDetails() != null) {
            return String.valueOf(s.awsErrorDetails().errorCode());
        }
        return "";
    }

    private static String topFrame(Throwable e) {
        StackTraceElement[] st = e.getStackTrace();
        return st.length == 0 ? "" : st[0].toString();
    }
}
