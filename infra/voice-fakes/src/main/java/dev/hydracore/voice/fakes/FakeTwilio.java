package dev.hydracore.voice.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stateful fake of the parts of Twilio's REST API (2010-04-01) that provisioning and hang-up
 * use, answering as {@code ../shared/providers/twilio_api_v2010.voice.json} declares:
 * IncomingPhoneNumbers (list with Twilio's partial {@code PhoneNumber=} match, fetch, update) and
 * Calls (list, fetch, update; {@code Status=completed} hangs a live call up). HTTP basic auth
 * {@code AccountSid:AuthToken}, checked in constant time; wrong credentials, or an account other
 * than the path's, answer 401 with Twilio's error body {@code {code,message,more_info,status}}
 * (20003); an unknown number or call, or an update of a call that has ended, 404 (20404).
 *
 * <p>Where Twilio's real answers break its own document the fake follows the document, so that
 * Prism checks our client, not Twilio: unset URLs are {@code null} (Twilio sometimes answers
 * {@code ""}, which fails the document's {@code format: uri}); list pages leave out
 * {@code uri}/{@code first_page_uri}/{@code previous_page_uri} (Twilio's are relative, the document
 * says absolute) and answer every match in one page ({@code next_page_uri: null}) up to
 * {@code PageSize} (default 50).
 *
 * <p>Control API ({@code /_fake/} on {@link #url()}, JSON in snake_case, beside the routes of
 * {@link FakeProvider}): {@code POST /_fake/accounts} {@code {"sid"?,"auth_token"?}} →
 * {@code {"sid","auth_token"}}; {@code POST /_fake/numbers} {@code {"account_sid","phone_number",
 * "sid"?,"voice_url"?,"voice_method"?,"status_callback"?,"status_callback_method"?,
 * "voice_application_sid"?,"trunk_sid"?,"friendly_name"?}} → the number as the API shows it;
 * {@code GET /_fake/numbers[/{sid}]}; {@code POST /_fake/calls} {@code {"phone_number_sid","from"?,
 * "status"?,"sid"?}} → the call; {@code GET /_fake/calls[/{sid}]}.
 */
public final class FakeTwilio extends FakeProvider {
    private static final Pattern ROUTE =
            Pattern.compile("/2010-04-01/Accounts/([^/]+)/(IncomingPhoneNumbers|Calls)(?:\\.json|/([^/]+)\\.json)");
    private static final DateTimeFormatter RFC_2822 = DateTimeFormatter.ofPattern(
                    "EEE, dd MMM yyyy HH:mm:ss Z", Locale.US)
            .withZone(ZoneOffset.UTC);
    private final Map<String, TwilioAccount> accounts = new LinkedHashMap<>();
    private final Map<String, TwilioNumber> numbers = new LinkedHashMap<>();
    private final Map<String, TwilioCall> calls = new LinkedHashMap<>();

    public synchronized TwilioAccount addAccount(TwilioAccount account) {
        accounts.put(account.sid(), account);
        return account;
    }

    public synchronized TwilioNumber addNumber(TwilioNumber number) {
        if (!accounts.containsKey(number.accountSid())) {
            throw new IllegalArgumentException("no account " + number.accountSid() + " in the fake");
        }
        numbers.put(number.sid(), number);
        return number;
    }

    public synchronized TwilioCall addCall(TwilioCall call) {
        if (!accounts.containsKey(call.accountSid())) {
            throw new IllegalArgumentException("no account " + call.accountSid() + " in the fake");
        }
        calls.put(call.sid(), call);
        return call;
    }

    public synchronized Optional<TwilioNumber> number(String sid) {
        return Optional.ofNullable(numbers.get(sid));
    }

    public synchronized Optional<TwilioNumber> numberByPhone(String phoneNumber) {
        return numbers.values().stream()
                .filter(n -> n.phoneNumber().equals(phoneNumber))
                .findFirst();
    }

    /** Changes a number as someone else would (the console, another tool): not logged as a request. */
    public synchronized TwilioNumber changeNumber(String sid, UnaryOperator<TwilioNumber> change) {
        TwilioNumber changed = change.apply(numbers.get(sid));
        numbers.put(sid, changed);
        return changed;
    }

    public synchronized Optional<TwilioCall> call(String sid) {
        return Optional.ofNullable(calls.get(sid));
    }

    public synchronized List<TwilioCall> calls() {
        return List.copyOf(calls.values());
    }

    /**
     * Twilio's {@code PhoneNumber=} filter: a partial number matches anywhere, {@code *} matches
     * any one digit. An exact E.164 lookup must therefore still compare the answers itself.
     */
    static boolean matchesPartially(String filter, String phoneNumber) {
        StringBuilder regex = new StringBuilder();
        for (char c : filter.toCharArray()) {
            regex.append(c == '*' ? "\\d" : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(regex.toString()).matcher(phoneNumber).find();
    }

    @Override
    protected Optional<Route> route(String method, String path) {
        Matcher m = ROUTE.matcher(path);
        if (!m.matches()) {
            return Optional.empty();
        }
        String account = m.group(1);
        boolean isNumbers = m.group(2).equals("IncomingPhoneNumbers");
        String sid = m.group(3);
        return switch (method + (sid == null ? " list" : " one") + (isNumbers ? " numbers" : " calls")) {
            case "GET list numbers" ->
                Optional.of(new Route(
                        "ListIncomingPhoneNumber", r -> authed(r, account, () -> listNumbers(account, r))));
            case "GET one numbers" ->
                Optional.of(new Route(
                        "FetchIncomingPhoneNumber", r -> authed(r, account, () -> fetchNumber(account, sid))));
            case "POST one numbers" ->
                Optional.of(new Route(
                        "UpdateIncomingPhoneNumber", r -> authed(r, account, () -> updateNumber(account, sid, r))));
            case "GET list calls" ->
                Optional.of(new Route("ListCall", r -> authed(r, account, () -> listCalls(account, r))));
            case "GET one calls" ->
                Optional.of(new Route("FetchCall", r -> authed(r, account, () -> fetchCall(account, sid))));
            case "POST one calls" ->
                Optional.of(new Route("UpdateCall", r -> authed(r, account, () -> updateCall(account, sid, r))));
            default -> Optional.empty();
        };
    }

    @Override
    protected Answer error(int status, String message) {
        int code = switch (status) {
            case 401 -> 20003;
            case 404 -> 20404;
            case 429 -> 20429;
            case 500 -> 20500;
            case 503 -> 20503;
            default -> 20001;
        };
        String text = switch (status) {
            case 401 -> "Authenticate";
            case 429 -> "Too Many Requests";
            default -> message;
        };
        ObjectNode body = JSON.createObjectNode();
        body.put("code", code);
        body.put("message", text);
        body.put("more_info", "https://www.twilio.com/docs/errors/" + code);
        body.put("status", status);
        return Answer.json(status, body);
    }

    @Override
    protected Optional<Answer> control(String method, List<String> path, JsonNode body) {
        String what = path.isEmpty() ? "" : path.get(0);
        String id = path.size() > 1 ? path.get(1) : null;
        synchronized (this) {
            switch (method + " " + what + (id == null ? "" : " id")) {
                case "POST accounts" -> {
                    TwilioAccount a = addAccount(
                            text(body, "sid") == null
                                    ? TwilioAccount.random()
                                    : new TwilioAccount(
                                            text(body, "sid"),
                                            Optional.ofNullable(text(body, "auth_token"))
                                                    .orElse(randomHex(16))));
                    return Optional.of(Answer.json(
                            200, JSON.createObjectNode().put("sid", a.sid()).put("auth_token", a.authToken())));
                }
                case "POST numbers" -> {
                    TwilioNumber n = TwilioNumber.of(required(body, "account_sid"), required(body, "phone_number"));
                    if (text(body, "sid") != null) {
                        n = new TwilioNumber(
                                text(body, "sid"),
                                n.accountSid(),
                                n.phoneNumber(),
                                n.friendlyName(),
                                null,
                                "POST",
                                null,
                                "POST",
                                null,
                                "POST",
                                null,
                                null,
                                n.dateCreated(),
                                n.dateUpdated());
                    }
                    n = applyUpdate(
                            n,
                            Map.of(
                                    "VoiceUrl", orEmpty(text(body, "voice_url")),
                                    "VoiceMethod", orEmpty(text(body, "voice_method")),
                                    "StatusCallback", orEmpty(text(body, "status_callback")),
                                    "StatusCallbackMethod", orEmpty(text(body, "status_callback_method")),
                                    "FriendlyName", orEmpty(text(body, "friendly_name"))),
                            true);
                    if (text(body, "voice_application_sid") != null) {
                        n = n.withVoiceApplicationSid(text(body, "voice_application_sid"));
                    }
                    if (text(body, "trunk_sid") != null) {
                        n = n.withTrunkSid(text(body, "trunk_sid"));
                    }
                    return Optional.of(Answer.json(200, numberJson(addNumber(n))));
                }
                case "GET numbers" -> {
                    ArrayNode out = JSON.createArrayNode();
                    numbers.values().forEach(n -> out.add(numberJson(n)));
                    return Optional.of(Answer.json(200, out));
                }
                case "GET numbers id" -> {
                    return Optional.of(
                            number(id).map(n -> Answer.json(200, numberJson(n))).orElse(error(404, "no number " + id)));
                }
                case "POST calls" -> {
                    TwilioNumber n = number(required(body, "phone_number_sid"))
                            .orElseThrow(
                                    () -> new IllegalArgumentException("no number " + text(body, "phone_number_sid")));
                    TwilioCall c = TwilioCall.inProgress(
                            n, Optional.ofNullable(text(body, "from")).orElse("+15005550006"));
                    if (text(body, "sid") != null || text(body, "status") != null) {
                        c = new TwilioCall(
                                Optional.ofNullable(text(body, "sid")).orElse(c.sid()),
                                c.accountSid(),
                                c.phoneNumberSid(),
                                c.from(),
                                c.to(),
                                Optional.ofNullable(text(body, "status")).orElse(c.status()),
                                c.startTime(),
                                null);
                    }
                    return Optional.of(Answer.json(200, callJson(addCall(c))));
                }
                case "GET calls" -> {
                    ArrayNode out = JSON.createArrayNode();
                    calls.values().forEach(c -> out.add(callJson(c)));
                    return Optional.of(Answer.json(200, out));
                }
                case "GET calls id" -> {
                    return Optional.of(
                            call(id).map(c -> Answer.json(200, callJson(c))).orElse(error(404, "no call " + id)));
                }
                default -> {
                    return Optional.empty();
                }
            }
        }
    }

    private static String required(JsonNode body, String field) {
        String v = text(body, field);
        if (v == null) {
            throw new IllegalArgumentException("missing " + field);
        }
        return v;
    }

    private static String orEmpty(String v) {
        return v == null ? "" : v;
    }

    private Answer authed(Request r, String pathAccount, java.util.function.Supplier<Answer> then) {
        TwilioAccount account;
        synchronized (this) {
            account = accounts.get(pathAccount);
        }
        if (account == null || !presents(r.authorization(), account)) {
            return error(401, "Authenticate");
        }
        synchronized (this) {
            return then.get();
        }
    }

    private static boolean presents(String authorization, TwilioAccount account) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        byte[] presented;
        try {
            presented = Base64.getDecoder().decode(authorization.substring(6).trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] expected = (account.sid() + ":" + account.authToken()).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(presented, expected);
    }

    private Answer listNumbers(String account, Request r) {
        Map<String, String> q = r.queryParams();
        String filter = q.get("PhoneNumber");
        String friendly = q.get("FriendlyName");
        int pageSize = Integer.parseInt(q.getOrDefault("PageSize", "50"));
        List<TwilioNumber> matches = new ArrayList<>();
        for (TwilioNumber n : numbers.values()) {
            if (n.accountSid().equals(account)
                    && (filter == null || matchesPartially(filter, n.phoneNumber()))
                    && (friendly == null || friendly.equals(n.friendlyName()))) {
                matches.add(n);
            }
        }
        ObjectNode page = pageJson(matches.size(), pageSize);
        ArrayNode items = page.putArray("incoming_phone_numbers");
        matches.stream().limit(pageSize).forEach(n -> items.add(numberJson(n)));
        return Answer.json(200, page);
    }

    private Answer fetchNumber(String account, String sid) {
        TwilioNumber n = numbers.get(sid);
        return n == null || !n.accountSid().equals(account)
                ? notFound("IncomingPhoneNumber", sid)
                : Answer.json(200, numberJson(n));
    }

    private Answer updateNumber(String account, String sid, Request r) {
        TwilioNumber n = numbers.get(sid);
        if (n == null || !n.accountSid().equals(account)) {
            return notFound("IncomingPhoneNumber", sid);
        }
        TwilioNumber updated = applyUpdate(n, r.formParams(), false);
        numbers.put(sid, updated);
        return Answer.json(200, numberJson(updated));
    }

    /** Twilio's update semantics: a parameter sent sets the field, sent empty clears it; others stay. */
    private static TwilioNumber applyUpdate(TwilioNumber n, Map<String, String> form, boolean skipEmpty) {
        TwilioNumber out = n;
        for (Map.Entry<String, String> e : form.entrySet()) {
            if (skipEmpty && e.getValue().isEmpty()) {
                continue;
            }
            String v = e.getValue().isEmpty() ? null : e.getValue();
            out = switch (e.getKey()) {
                case "VoiceUrl" -> out.withVoiceUrl(v);
                case "VoiceMethod" -> out.withVoiceMethod(v == null ? "POST" : v);
                case "VoiceFallbackUrl" -> out.withVoiceFallbackUrl(v);
                case "VoiceFallbackMethod" -> out.withVoiceFallbackMethod(v == null ? "POST" : v);
                case "StatusCallback" -> out.withStatusCallback(v);
                case "StatusCallbackMethod" -> out.withStatusCallbackMethod(v == null ? "POST" : v);
                case "VoiceApplicationSid" -> out.withVoiceApplicationSid(v);
                case "TrunkSid" -> out.withTrunkSid(v);
                case "FriendlyName" -> out.withFriendlyName(v == null ? n.phoneNumber() : v);
                default -> out;
            };
        }
        return out;
    }

    private Answer listCalls(String account, Request r) {
        Map<String, String> q = r.queryParams();
        int pageSize = Integer.parseInt(q.getOrDefault("PageSize", "50"));
        List<TwilioCall> matches = new ArrayList<>();
        for (TwilioCall c : calls.values()) {
            if (c.accountSid().equals(account)
                    && (q.get("To") == null || q.get("To").equals(c.to()))
                    && (q.get("From") == null || q.get("From").equals(c.from()))
                    && (q.get("Status") == null || q.get("Status").equals(c.status()))) {
                matches.add(c);
            }
        }
        ObjectNode page = pageJson(matches.size(), pageSize);
        ArrayNode items = page.putArray("calls");
        matches.stream().limit(pageSize).forEach(c -> items.add(callJson(c)));
        return Answer.json(200, page);
    }

    private Answer fetchCall(String account, String sid) {
        TwilioCall c = calls.get(sid);
        return c == null || !c.accountSid().equals(account) ? notFound("Call", sid) : Answer.json(200, callJson(c));
    }

    private Answer updateCall(String account, String sid, Request r) {
        TwilioCall c = calls.get(sid);
        if (c == null || !c.accountSid().equals(account) || !c.isLive()) {
            return notFound("Call", sid);
        }
        String status = r.formParams().get("Status");
        TwilioCall updated = c;
        if ("completed".equals(status)) {
            updated = c.ended("completed");
        } else if ("canceled".equals(status) && !c.status().equals("in-progress")) {
            updated = c.ended("canceled");
        }
        calls.put(sid, updated);
        return Answer.json(200, callJson(updated));
    }

    private Answer notFound(String resource, String sid) {
        return error(404, "The requested resource /2010-04-01/" + resource + "/" + sid + ".json was not found");
    }

    private static ObjectNode pageJson(int matches, int pageSize) {
        ObjectNode page = JSON.createObjectNode();
        page.put("page", 0);
        page.put("page_size", pageSize);
        page.put("start", 0);
        page.put("end", Math.max(0, Math.min(matches, pageSize) - 1));
        page.putNull("next_page_uri");
        return page;
    }

    private static String date(Instant i) {
        return i == null ? null : RFC_2822.format(i);
    }

    static ObjectNode numberJson(TwilioNumber n) {
        ObjectNode o = JSON.createObjectNode();
        o.put("account_sid", n.accountSid());
        o.putNull("address_sid");
        o.put("address_requirements", "none");
        o.put("api_version", "2010-04-01");
        o.put("beta", false);
        o.putObject("capabilities")
                .put("voice", true)
                .put("sms", true)
                .put("mms", true)
                .put("fax", false);
        o.put("date_created", date(n.dateCreated()));
        o.put("date_updated", date(n.dateUpdated()));
        o.put("friendly_name", n.friendlyName());
        o.putNull("identity_sid");
        o.put("phone_number", n.phoneNumber());
        o.put("origin", "twilio");
        o.put("sid", n.sid());
        o.putNull("sms_application_sid");
        o.put("sms_fallback_method", "POST");
        o.putNull("sms_fallback_url");
        o.put("sms_method", "POST");
        o.putNull("sms_url");
        o.put("status_callback", n.statusCallback());
        o.put("status_callback_method", n.statusCallbackMethod());
        o.put("trunk_sid", n.trunkSid());
        o.put("uri", "/2010-04-01/Accounts/" + n.accountSid() + "/IncomingPhoneNumbers/" + n.sid() + ".json");
        o.put("voice_receive_mode", "voice");
        o.put("voice_application_sid", n.voiceApplicationSid());
        o.put("voice_caller_id_lookup", false);
        o.put("voice_fallback_method", n.voiceFallbackMethod());
        o.put("voice_fallback_url", n.voiceFallbackUrl());
        o.put("voice_method", n.voiceMethod());
        o.put("voice_url", n.voiceUrl());
        o.put("emergency_status", "Inactive");
        o.putNull("emergency_address_sid");
        o.put("emergency_address_status", "unregistered");
        o.putNull("bundle_sid");
        o.put("status", "in-use");
        o.put("type", "local");
        return o;
    }

    static ObjectNode callJson(TwilioCall c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("sid", c.sid());
        o.put("date_created", date(c.startTime()));
        o.put("date_updated", date(c.endTime() == null ? c.startTime() : c.endTime()));
        o.putNull("parent_call_sid");
        o.put("account_sid", c.accountSid());
        o.put("to", c.to());
        o.put("to_formatted", c.to());
        o.put("from", c.from());
        o.put("from_formatted", c.from());
        o.put("phone_number_sid", c.phoneNumberSid());
        o.put("status", c.status());
        o.put("start_time", date(c.startTime()));
        o.put("end_time", date(c.endTime()));
        o.put(
                "duration",
                c.endTime() == null
                        ? null
                        : Long.toString(
                                c.endTime().getEpochSecond() - c.startTime().getEpochSecond()));
        o.putNull("price");
        o.put("price_unit", "USD");
        o.put("direction", "inbound");
        o.putNull("answered_by");
        o.put("api_version", "2010-04-01");
        o.putNull("forwarded_from");
        o.putNull("group_sid");
        o.putNull("caller_name");
        o.put("queue_time", "0");
        o.putNull("trunk_sid");
        o.put("uri", "/2010-04-01/Accounts/" + c.accountSid() + "/Calls/" + c.sid() + ".json");
        o.putNull("subresource_uris");
        return o;
    }
}
