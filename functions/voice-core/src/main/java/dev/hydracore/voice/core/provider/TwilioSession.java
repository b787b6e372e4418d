package dev.hydracore.voice.core.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Deadline;
import dev.hydracore.voice.core.JsonStreams;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Twilio's REST API (2010-04-01) as its document describes it: HTTP basic auth with the account
 * SID and auth token, form-encoded PascalCase writes ({@code +} sent as {@code %2B}), JSON answers
 * in snake_case. The number list filters by partial match, so the E.164 number is matched exactly
 * here.
 */
public final class TwilioSession implements ProviderSession {
    static final String PROVIDER = "twilio";

    /** Pages of the number list read at most: an account with more matches than this is not one we can wire. */
    static final int MAX_PAGES = 5;

    private final ProviderHttp http;
    private final String base;
    private final String accountSid;
    private final String authorization;

    public TwilioSession(ProviderHttp http, String baseUrl, String accountSid, String authToken) {
        this.http = http;
        this.base = baseUrl;
        this.accountSid = accountSid;
        this.authorization = "Basic "
                + Base64.getEncoder().encodeToString((accountSid + ":" + authToken).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Located locate(ProviderObject kind, String name, Deadline deadline) {
        requireNumber(kind);
        String path = accountPath() + "/IncomingPhoneNumbers.json?PhoneNumber=" + encode(name) + "&PageSize=50";
        for (int page = 0; page < MAX_PAGES && path != null; page++) {
            JsonNode list = get("list numbers", path, deadline);
            for (JsonNode n : list.path("incoming_phone_numbers")) {
                if (name.equals(n.path("phone_number").asText())) {
                    return new Located(
                            n.path("sid").asText(),
                            fields(n),
                            !text(n, "voice_application_sid").isEmpty()
                                    || !text(n, "trunk_sid").isEmpty());
                }
            }
            String next = text(list, "next_page_uri");
            path = next.startsWith("/") ? next : null;
        }
        throw new ProviderException(ProviderException.Kind.NOT_FOUND, PROVIDER, "list numbers", 200, null);
    }

    @Override
    public Map<String, String> read(ProviderObject kind, String id, Deadline deadline) {
        requireNumber(kind);
        return fields(get("fetch number", accountPath() + "/IncomingPhoneNumbers/" + encode(id) + ".json", deadline));
    }

    @Override
    public void write(ProviderObject kind, String id, Map<String, String> values, Deadline deadline) {
        requireNumber(kind);
        post("update number", accountPath() + "/IncomingPhoneNumbers/" + encode(id) + ".json", values, deadline);
    }

    @Override
    public HangUp hangUp(String callId, Deadline deadline) {
        try {
            post(
                    "update call",
                    accountPath() + "/Calls/" + encode(callId) + ".json",
                    Map.of("Status", "completed"),
                    deadline);
            return HangUp.HUNG_UP;
        } catch (ProviderException e) {
            // 404 (code 20404): the call is over and its resource gone at Twilio.
            if (e.kind() == ProviderException.Kind.NOT_FOUND) {
                return HangUp.ALREADY_OVER;
            }
            throw e;
        }
    }

    /** The form body Twilio's writes take: names as given, values URL-encoded ({@code +} → {@code %2B}). */
    static String form(Map<String, String> values) {
        StringJoiner j = new StringJoiner("&");
        values.forEach((k, v) -> j.add(encode(k) + "=" + encode(v == null ? "" : v)));
        return j.toString();
    }

    private static void requireNumber(ProviderObject kind) {
        if (kind != ProviderObject.TWILIO_NUMBER) {
            throw new IllegalArgumentException("Twilio has no " + kind.wire());
        }
    }

    /** The fields setup sets, under their write names; an unset one is "" (what Twilio's form takes to clear it). */
    private static Map<String, String> fields(JsonNode n) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("VoiceUrl", text(n, "voice_url"));
        out.put("VoiceMethod", text(n, "voice_method"));
        out.put("StatusCallback", text(n, "status_callback"));
        out.put("StatusCallbackMethod", text(n, "status_callback_method"));
        return out;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private String accountPath() {
        return "/2010-04-01/Accounts/" + encode(accountSid);
    }

    private JsonNode get(String operation, String path, Deadline deadline) {
        return answer(operation, http.send(PROVIDER, operation, "GET", uri(path), auth(), null, null, deadline));
    }

    private void post(String operation, String path, Map<String, String> values, Deadline deadline) {
        answer(
                operation,
                http.send(
                        PROVIDER,
                        operation,
                        "POST",
                        uri(path),
                        auth(),
                        "application/x-www-form-urlencoded",
                        form(values).getBytes(StandardCharsets.UTF_8),
                        deadline));
    }

    private Map<String, String> auth() {
        return Map.of("Authorization", authorization);
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private static JsonNode answer(String operation, ProviderHttp.Answer a) {
        if (!a.ok()) {
            throw new ProviderException(ProviderException.kindOf(a.status()), PROVIDER, operation, a.status(), null);
        }
        try {
            return JsonStreams.readTree(a.body());
        } catch (IOException e) {
            throw new ProviderException(ProviderException.Kind.UNAVAILABLE, PROVIDER, operation, a.status(), e);
        }
    }
}
