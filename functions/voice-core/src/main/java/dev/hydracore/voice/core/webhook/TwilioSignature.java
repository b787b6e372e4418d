package dev.hydracore.voice.core.webhook;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Twilio's {@code X-Twilio-Signature}: base64(HMAC-SHA1(auth token, url + every POST parameter
 * sorted by name, as name + value)). Twilio may or may not include the default port in the URL it
 * signs, so the URL is tried as configured and with the default port toggled, as Twilio's own
 * validators do.
 */
public final class TwilioSignature {
    private static final Comparator<Map.Entry<String, String>> ORDER =
            Map.Entry.<String, String>comparingByKey().thenComparing(Map.Entry.comparingByValue());

    private TwilioSignature() {}

    public static boolean verify(String header, String url, List<Map.Entry<String, String>> params, String authToken) {
        if (header == null || header.isEmpty() || url == null || authToken == null || authToken.isEmpty()) {
            return false;
        }
        byte[] presented = header.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        // Every variant is computed and compared, so timing says nothing about which one matched.
        for (String candidate : urlVariants(url)) {
            ok |= MessageDigest.isEqual(sign(candidate, params, authToken).getBytes(StandardCharsets.UTF_8), presented);
        }
        return ok;
    }

    /**
     * The cheap half of {@link #verify}: the header is what an HMAC-SHA1 in base64 looks like (28
     * characters decoding to 20 bytes). It needs no token, so a request failing it is refused before
     * any read or decryption.
     */
    public static boolean wellFormed(String header) {
        if (header == null || header.length() != 28) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(header).length == 20;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public static String sign(String url, List<Map.Entry<String, String>> params, String authToken) {
        StringBuilder data = new StringBuilder(url);
        List<Map.Entry<String, String>> sorted = new ArrayList<>(params);
        sorted.sort(ORDER);
        for (Map.Entry<String, String> p : sorted) {
            data.append(p.getKey()).append(p.getValue());
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(authToken.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder()
                    .encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA1 unavailable", e);
        }
    }

    /** The URL as given, plus the same URL with its scheme's default port added or removed. */
    static List<String> urlVariants(String url) {
        List<String> out = new ArrayList<>(2);
        out.add(url);
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            return out;
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        int defaultPort = scheme.equals("https") ? 443 : scheme.equals("http") ? 80 : -1;
        String authority = u.getRawAuthority();
        int start = url.indexOf("://");
        if (defaultPort < 0 || authority == null || start < 0 || !url.startsWith(authority, start + 3)) {
            return out;
        }
        int end = start + 3 + authority.length();
        String other;
        if (u.getPort() == -1) {
            other = authority + ":" + defaultPort;
        } else if (u.getPort() == defaultPort) {
            other = authority.substring(0, authority.length() - (":" + defaultPort).length());
        } else {
            return out;
        }
        out.add(url.substring(0, start + 3) + other + url.substring(end));
        return out;
    }
}
