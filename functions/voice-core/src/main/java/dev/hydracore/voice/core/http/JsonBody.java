package dev.hydracore.voice.core.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hydracore.voice.core.JsonStreams;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The body checks of a JSON route, in the order FastAPI's clients see them: size (413), media type
 * (415), then JSON syntax (422 {@code json_invalid} at {@code ["body", <character offset>]}).
 * Nothing here quotes the body back: parser messages (which do) are never used.
 */
public final class JsonBody {
    public static final String TOO_LARGE = "Request body too large";
    public static final String NOT_JSON = "Content-Type must be application/json";

    private JsonBody() {}

    /** 413 when the (already base64-decoded) body is over the cap. Any body-reading route can use it. */
    public static void requireWithinLimit(HttpRequest request) {
        requireWithinLimit(request, RequestLimits.MAX_BODY_BYTES);
    }

    /** 413 when the body is over {@code maxBytes}. */
    public static void requireWithinLimit(HttpRequest request, int maxBytes) {
        if (request.body().length > maxBytes) {
            throw new ApiException(413, TOO_LARGE);
        }
    }

    /**
     * The body as a JSON value: an empty body is {@code {}}; a body without a content type is read
     * as JSON (as FastAPI does); a content type other than application/json or {@code *+json} is 415.
     */
    public static JsonNode read(HttpRequest request) {
        requireWithinLimit(request);
        request.header("content-type").filter(ct -> !ct.isBlank()).ifPresent(JsonBody::requireJsonMediaType);
        return parse(request.body());
    }

    /** A JSON body's bytes as a JSON value (empty: {@code {}}), or 422 {@code json_invalid} where it breaks. */
    public static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            return JsonNodeFactory.instance.objectNode();
        }
        String text = decodeUtf8(body);
        if (text.startsWith("\uFEFF")) {
            // Python's json.loads(bytes) reads UTF-8 with a byte-order mark (as utf-8-sig), so FastAPI does.
            text = text.substring(1);
        }
        // Jackson's streaming parser and our tree reader, not an ObjectMapper: building one reads the
        // JDK's locale data (~20 ms of a setup cold start) for nothing a body needs.
        try (JsonParser p = JsonStreams.FACTORY.createParser(text)) {
            JsonNode node = JsonStreams.readTree(p);
            if (node == null || node.isMissingNode()) {
                throw invalid(text.length());
            }
            if (p.nextToken() != null) {
                // Python's json.loads refuses trailing data ("Extra data"); so do we.
                throw invalid(offset(p.currentTokenLocation(), text.length()));
            }
            return node;
        } catch (JsonProcessingException e) {
            throw invalid(offset(e.getLocation(), text.length()));
        } catch (IOException e) {
            throw invalid(0);
        }
    }

    private static void requireJsonMediaType(String contentType) {
        String mediaType = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        int slash = mediaType.indexOf('/');
        boolean json = slash > 0
                && mediaType.substring(0, slash).equals("application")
                && (mediaType.substring(slash + 1).equals("json") || mediaType.endsWith("+json"));
        if (!json) {
            throw new ApiException(415, NOT_JSON);
        }
    }

    /** Strict UTF-8: a malformed byte is a JSON decode error at the character where it sits. */
    private static String decodeUtf8(byte[] body) {
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer out = CharBuffer.allocate(body.length);
        CoderResult result = decoder.decode(ByteBuffer.wrap(body), out, true);
        if (result.isError()) {
            throw invalid(out.position());
        }
        try {
            result = decoder.flush(out);
            if (result.isError()) {
                result.throwException();
            }
        } catch (CharacterCodingException e) {
            throw invalid(out.position());
        }
        out.flip();
        return out.toString();
    }

    private static int offset(JsonLocation location, int length) {
        if (location == null || location.getCharOffset() < 0) {
            return 0;
        }
        return (int) Math.min(location.getCharOffset(), length);
    }

    private static ValidationException invalid(int position) {
        return new ValidationException(ErrorDetail.of("JSON decode error", "json_invalid", "body", position));
    }
}
