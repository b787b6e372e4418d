package dev.hydracore.voice.core.http;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Log;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Base of every HTTP route handler: API Gateway v2 event in, v2 response out, through the one
 * shared mapper (a stream handler, so no reflective event binding at cold start). Turns the
 * outcomes of {@link #handle(HttpRequest)} into the contract's statuses: a dependency failure is
 * a 503 with Retry-After, a bug a 500 whose body says nothing about the cause.
 */
public abstract class ApiHandler implements RequestStreamHandler {

    @Override
    public final void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        respond(Json.MAPPER.readTree(input)).writeTo(output);
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
