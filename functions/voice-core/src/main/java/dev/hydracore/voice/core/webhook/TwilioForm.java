package dev.hydracore.voice.core.webhook;

import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An {@code application/x-www-form-urlencoded} body as Twilio posts it. Every pair is kept, in
 * order and with repeated names, because the signature covers all of them.
 */
public record TwilioForm(List<Map.Entry<String, String>> pairs) {

    public TwilioForm {
        pairs = List.copyOf(pairs);
    }

    /** Decodes the body; IllegalArgumentException when it is not valid form encoding (bad % escape or UTF-8). */
    public static TwilioForm parse(byte[] body) {
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("form body is not UTF-8", e);
        }
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (String pair : text.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            // URLDecoder turns '+' into a space and rejects malformed % escapes (IllegalArgumentException).
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.add(Map.entry(name, value));
        }
        return new TwilioForm(out);
    }

    /** The first value of a parameter. */
    public Optional<String> first(String name) {
        for (Map.Entry<String, String> p : pairs) {
            if (p.getKey().equals(name)) {
                return Optional.of(p.getValue());
            }
        }
        return Optional.empty();
    }

    public boolean has(String name) {
        return first(name).isPresent();
    }
}
