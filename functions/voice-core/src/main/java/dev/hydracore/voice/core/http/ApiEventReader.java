package dev.hydracore.voice.core.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.hydracore.voice.core.JsonStreams;
import java.io.IOException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads an API Gateway v2 event from its bytes, streaming, into an {@link HttpRequest}: the parts a
 * handler uses, and the body as one byte array unescaped straight from the event's bytes — no tree
 * of the event, no String of the body (a webhook body can be 6 MB). The body is skipped by the
 * parser and decoded afterwards from where it sits.
 */
final class ApiEventReader {
    private ApiEventReader() {}

    static HttpRequest read(byte[] event) throws IOException {
        String method = "GET";
        String rawPath = "";
        String rawQuery = "";
        String requestId = "";
        String routeKey = null;
        Map<String, String> headers = new HashMap<>();
        Map<String, String> params = new HashMap<>();
        int bodyStart = -1;
        boolean base64 = false;
        try (JsonParser p = JsonStreams.FACTORY.createParser(event)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("an API Gateway event is a JSON object");
            }
            for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "rawPath" -> rawPath = text(p, v, "");
                    case "routeKey" -> routeKey = text(p, v, null);
                    case "rawQueryString" -> rawQuery = text(p, v, "");
                    case "headers" -> strings(p, v, headers, true);
                    case "pathParameters" -> strings(p, v, params, false);
                    case "isBase64Encoded" -> base64 = v == JsonToken.VALUE_TRUE;
                    case "body" -> {
                        if (v == JsonToken.VALUE_STRING) {
                            bodyStart = stringStart(event, p.currentTokenLocation());
                            if (bodyStart < 0) {
                                // Not where we expected the string: fall back to the parser's copy.
                                return fallback(event);
                            }
                        }
                    }
                    case "requestContext" -> {
                        if (v != JsonToken.START_OBJECT) {
                            p.skipChildren();
                            continue;
                        }
                        for (JsonToken c = p.nextToken(); c == JsonToken.FIELD_NAME; c = p.nextToken()) {
                            String cn = p.currentName();
                            JsonToken cv = p.nextToken();
                            if (cn.equals("requestId")) {
                                requestId = text(p, cv, "");
                            } else if (cn.equals("http") && cv == JsonToken.START_OBJECT) {
                                for (JsonToken h = p.nextToken(); h == JsonToken.FIELD_NAME; h = p.nextToken()) {
                                    String hn = p.currentName();
                                    JsonToken hv = p.nextToken();
                                    if (hn.equals("method")) {
                                        method = text(p, hv, "GET").toUpperCase(Locale.ROOT);
                                    } else {
                                        p.skipChildren();
                                    }
                                }
                            } else {
                                p.skipChildren();
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        }
        byte[] body = bodyStart < 0 ? new byte[0] : unescape(event, bodyStart);
        if (base64 && body.length > 0) {
            body = Base64.getDecoder().decode(body);
        }
        return new HttpRequest(
                method, rawPath, rawQuery, Map.copyOf(headers), Map.copyOf(params), body, requestId, routeKey);
    }

    private static HttpRequest fallback(byte[] event) throws IOException {
        return HttpRequest.fromEvent(JsonStreams.readTree(event));
    }

    private static String text(JsonParser p, JsonToken v, String otherwise) throws IOException {
        if (v == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        p.skipChildren();
        return v == JsonToken.VALUE_NULL ? otherwise : v.isScalarValue() ? p.getText() : otherwise;
    }

    private static void strings(JsonParser p, JsonToken v, Map<String, String> into, boolean lowerCaseNames)
            throws IOException {
        if (v != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            into.put(lowerCaseNames ? name.toLowerCase(Locale.ROOT) : name, value.isScalarValue() ? p.getText() : "");
            p.skipChildren();
        }
    }

    /** Where the string token's content begins (just past its opening quote), or -1 when it cannot be told. */
    private static int stringStart(byte[] event, JsonLocation at) {
        long o = at.getByteOffset();
        if (o < 0 || o >= event.length) {
            return -1;
        }
        int i = (int) o;
        if (event[i] == '"') {
            return i + 1;
        }
        return i > 0 && event[i - 1] == '"' ? i : -1;
    }

    /** The JSON string starting at {@code start} (content, up to its closing quote), unescaped to UTF-8 bytes. */
    static byte[] unescape(byte[] in, int start) {
        byte[] out = new byte[decode(in, start, null)];
        decode(in, start, out);
        return out;
    }

    /** Decodes into {@code out} (or only counts, when null); returns the decoded length. */
    private static int decode(byte[] in, int i, byte[] out) {
        int n = 0;
        while (true) {
            byte b = in[i];
            if (b == '"') {
                return n;
            }
            if (b != '\\') {
                if (out != null) {
                    out[n] = b;
                }
                n++;
                i++;
                continue;
            }
            byte e = in[i + 1];
            i += 2;
            int c;
            switch (e) {
                case 'b' -> c = '\b';
                case 'f' -> c = '\f';
                case 'n' -> c = '\n';
                case 'r' -> c = '\r';
                case 't' -> c = '\t';
                case 'u' -> {
                    c = hex4(in, i);
                    i += 4;
                    if (Character.isHighSurrogate((char) c) && in[i] == '\\' && in[i + 1] == 'u') {
                        int low = hex4(in, i + 2);
                        if (Character.isLowSurrogate((char) low)) {
                            c = Character.toCodePoint((char) c, (char) low);
                            i += 6;
                        }
                    }
                }
                default -> c = e; // \" \\ \/
            }
            // A lone surrogate is written as its three bytes, which are not UTF-8: a JSON body refuses them.
            n += utf8(c, out, n);
        }
    }

    private static int hex4(byte[] in, int i) {
        return Character.digit(in[i], 16) << 12
                | Character.digit(in[i + 1], 16) << 8
                | Character.digit(in[i + 2], 16) << 4
                | Character.digit(in[i + 3], 16);
    }

    private static int utf8(int c, byte[] out, int at) {
        if (c < 0x80) {
            if (out != null) {
                out[at] = (byte) c;
            }
            return 1;
        }
        if (c < 0x800) {
            if (out != null) {
                out[at] = (byte) (0xC0 | c >> 6);
                out[at + 1] = (byte) (0x80 | c & 0x3F);
            }
            return 2;
        }
        if (c < 0x10000) {
            if (out != null) {
                out[at] = (byte) (0xE0 | c >> 12);
                out[at + 1] = (byte) (0x80 | c >> 6 & 0x3F);
                out[at + 2] = (byte) (0x80 | c & 0x3F);
            }
            return 3;
        }
        if (out != null) {
            out[at] = (byte) (0xF0 | c >> 18);
            out[at + 1] = (byte) (0x80 | c >> 12 & 0x3F);
            out[at + 2] = (byte) (0x80 | c >> 6 & 0x3F);
            out[at + 3] = (byte) (0x80 | c & 0x3F);
        }
        return 4;
    }
}
