package dev.hydracore.voice.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.FunctionHandler;
import dev.hydracore.voice.core.Invocation;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.auth.Principal;
import dev.hydracore.voice.core.store.RetryLaterException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Base of every HTTP route handler: API Gateway v2 event in, v2 response out, through the one
 * shared mapper (a stream handler, so no reflective event binding at cold start). Turns the
 * outcomes of {@link #handle(HttpRequest)} into the contract's statuses: a dependency failure (an
 * SDK exception, or the store's {@link RetryLaterException}) is a 503 with Retry-After, a bug a
 * 500 whose body says nothing about the cause.
 *
 * <p>SnapStart ({@link FunctionHandler}): a route declares the requests it primes with
 * ({@link #primingRequests()}) and any other read-only or pure work ({@link #warmUp()}).
 */
public abstract class ApiHandler extends FunctionHandler {
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

    /** A handler built on {@code services}, whose secrets and caches are cleared before a snapshot. */
    protected ApiHandler(Services services) {
        super(services);
        this.services = services;
    }

    @Override
    protected final void invoke(InputStream input, OutputStream output) throws IOException {
        // Streamed, not as a tree: the body becomes one byte array, however large.
        respond(HttpRequest.fromEventBytes(input.readAllBytes())).writeTo(output);
    }

    /**
     * The whole request/response cycle for one event; public so priming and tests can drive it.
     * Called outside an invocation (tests), it reports its own line.
     */
    public final HttpResponse respond(JsonNode event) {
        return respond(HttpRequest.fromEvent(event));
    }

    private HttpResponse respond(HttpRequest request) {
        boolean own = !Invocation.isOpen();
        Invocation invocation = own ? Invocation.open(null, false) : Invocation.current();
        try {
            invocation.route(request.routeKey()).correlationId(request.requestId());
            String instanceId = request.pathParameter("instance_id");
            if (InstanceId.isValid(instanceId)) {
                invocation.instance(instanceId.toLowerCase(Locale.ROOT));
            }
            HttpResponse response = answer(request, invocation);
            answered(request, response);
            invocation.status(response.status());
            return response;
        } finally {
            if (own) {
                invocation.close();
            }
        }
    }

    private HttpResponse answer(HttpRequest request, Invocation invocation) {
        try {
            return handle(request);
        } catch (ApiException e) {
            return e.toResponse();
        } catch (ValidationException e) {
            return e.toResponse();
        } catch (RetryLaterException e) {
            invocation.dependencyUnavailable(e, null);
            return ApiException.unavailable().toResponse();
        } catch (SdkException e) {
            invocation.dependencyUnavailable(e, awsErrorCode(e));
            return ApiException.unavailable().toResponse();
        } catch (RuntimeException e) {
            invocation.failed(e);
            return new ApiException(500, "Internal server error").toResponse();
        }
    }

    /**
     * Called with every answer, errors included, before the invocation's line is written: a route
     * adds what only it knows (the webhook: its provider and outcome). Fixed words and ids only.
     */
    protected void answered(HttpRequest request, HttpResponse response) {}

    /** The invocation this request belongs to. */
    protected final Invocation invocation() {
        return Invocation.current();
    }

    protected abstract HttpResponse handle(HttpRequest request);

    /** The requests this route primes with (default: none, so only the shared plumbing runs). */
    protected List<PrimingRequest> primingRequests() {
        return List.of();
    }

    /** Work of the route's path that the priming requests do not reach: pure code on built-in samples, or reads. */
    protected void warmUp() {}

    /**
     * The shared plumbing (event parsing, response writing, no AWS call), then every declared
     * request; when one uses the unknown key, the ownership check's miss for the all-zero instance
     * (404, a read) that the 401 never reaches; then the handler's {@link #warmUp()}.
     */
    @Override
    protected final void prime() {
        HttpRequest.fromEvent(roundTrip(primingEvent("GET", "GET /", "/", Map.of(), Map.of())));
        sink(ApiException.notAuthenticated().toResponse());
        sink(new ValidationException(ErrorDetail.of("priming", "priming", "path", "priming")).toResponse());
        boolean unknownKey = false;
        for (PrimingRequest r : primingRequests()) {
            primeRequest(r);
            unknownKey |= r.usesUnknownKey();
        }
        if (unknownKey && services != null) {
            try {
                services.tenancy().requireOwned(new Principal("priming", "priming"), PRIMING_INSTANCE_ID);
            } catch (ApiException expected) {
                // 404: nothing is registered under the all-zero id.
            }
        }
        warmUp();
    }

    /** One full request through the Lambda entry point; its status and body. */
    private HttpResponse primeRequest(PrimingRequest r) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(512);
            handleRequest(new ByteArrayInputStream(Json.MAPPER.writeValueAsBytes(r.event())), out, null);
            JsonNode response = Json.MAPPER.readTree(out.toByteArray());
            return new HttpResponse(
                    response.path("statusCode").asInt(),
                    Map.of(),
                    response.path("body").asText(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The API Gateway v2 event a priming request sends (no body). */
    private static ObjectNode primingEvent(
            String method,
            String routeKey,
            String rawPath,
            Map<String, String> pathParameters,
            Map<String, String> headers) {
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
        ctx.putObject("http")
                .put("method", method)
                .put("path", rawPath)
                .put("protocol", "HTTP/1.1")
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

    // --- SnapStart priming --------------------------------------------------------------------

    /**
     * A request the handler primes with, for the never-registered all-zero instance, sent through
     * the Lambda entry point. {@code route} is the route's path template (its {@code instance_id}
     * is filled in); the route must answer it before any write (an unknown key, an instance that
     * is never registered).
     */
    public record PrimingRequest(String method, String route, Map<String, String> headers, String body) {
        /** Authenticated with {@link #PRIMING_API_KEY}: pepper fetch, one read-only key lookup, 401. */
        public static PrimingRequest withUnknownKey(String method, String route) {
            return new PrimingRequest(method, route, Map.of("authorization", "Bearer " + PRIMING_API_KEY), null);
        }

        public PrimingRequest withBody(String body) {
            return new PrimingRequest(method, route, headers, body);
        }

        boolean usesUnknownKey() {
            return headers.containsKey("authorization");
        }

        String routeKey() {
            return method + " " + route;
        }

        String path() {
            return route.replace("{instance_id}", PRIMING_INSTANCE_ID);
        }

        ObjectNode event() {
            Map<String, String> pathParameters =
                    route.contains("{instance_id}") ? Map.of("instance_id", PRIMING_INSTANCE_ID) : Map.of();
            ObjectNode e = primingEvent(method, routeKey(), path(), pathParameters, headers);
            if (body != null) {
                e.put("body", body);
            }
            return e;
        }
    }
}
