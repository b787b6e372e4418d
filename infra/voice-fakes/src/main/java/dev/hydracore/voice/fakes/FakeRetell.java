package dev.hydracore.voice.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stateful fake of the parts of Retell's API that provisioning and hang-up use, answering as
 * {@code ../shared/providers/retell_api.voice.json} declares: phone numbers (get, update
 * {@code inbound_agents} [{agent_id, weight}] / {@code inbound_webhook_url} / {@code nickname}),
 * agents (get, update {@code webhook_url} / {@code agent_name}), calls (get, and
 * {@code POST /v2/stop-call/{id}}: a live call ends, 204). {@code Authorization: Bearer <api key>},
 * compared in constant time; a wrong key answers 401 {@code {"status":"error","message":…}}. An
 * unknown number, agent or call, and stopping a call that has already ended, answer 404 (the
 * document declares 404 only for stop-call: Prism warns about it elsewhere, see
 * {@link PrismViolation#isRejection()}); an update naming an unknown agent answers 422, inbound
 * weights not summing to 1 answer 400.
 *
 * <p>Control API ({@code /_fake/} on {@link #url()}, beside the routes of {@link FakeProvider}):
 * {@code POST /_fake/api-keys} {@code {"api_key"?}} → {@code {"api_key"}}; {@code POST /_fake/agents}
 * {@code {"agent_id"?,"agent_name"?,"webhook_url"?}} → the agent as the API shows it;
 * {@code GET /_fake/agents[/{id}]}; {@code POST /_fake/numbers} {@code {"phone_number",
 * "inbound_agent_id"?,"inbound_webhook_url"?,"nickname"?}} → the number; {@code GET
 * /_fake/numbers[/{phone}]}; {@code POST /_fake/calls} {@code {"agent_id","to_number",
 * "from_number"?,"call_id"?,"call_status"?}} → the call; {@code GET /_fake/calls[/{id}]}.
 */
public final class FakeRetell extends FakeProvider {
    private static final Pattern ROUTE = Pattern.compile(
            "/(get-phone-number|update-phone-number|get-agent|update-agent|v2/get-call|v2/stop-call)/([^/]+)");
    private final Set<String> apiKeys = new CopyOnWriteArraySet<>();
    private final Map<String, RetellNumber> numbers = new LinkedHashMap<>();
    private final Map<String, RetellAgent> agents = new LinkedHashMap<>();
    private final Map<String, RetellCall> calls = new LinkedHashMap<>();

    public String addApiKey(String apiKey) {
        apiKeys.add(apiKey);
        return apiKey;
    }

    public String addApiKey() {
        return addApiKey("key_" + randomHex(16));
    }

    public synchronized RetellAgent addAgent(RetellAgent agent) {
        agents.put(agent.agentId(), agent);
        return agent;
    }

    public synchronized RetellNumber addNumber(RetellNumber number) {
        numbers.put(number.phoneNumber(), number);
        return number;
    }

    public synchronized RetellCall addCall(RetellCall call) {
        calls.put(call.callId(), call);
        return call;
    }

    public synchronized Optional<RetellAgent> agent(String agentId) {
        return Optional.ofNullable(agents.get(agentId));
    }

    public synchronized Optional<RetellNumber> number(String phoneNumber) {
        return Optional.ofNullable(numbers.get(phoneNumber));
    }

    public synchronized Optional<RetellCall> call(String callId) {
        return Optional.ofNullable(calls.get(callId));
    }

    public synchronized List<RetellCall> calls() {
        return List.copyOf(calls.values());
    }

    /** Changes a number as someone else would (Retell's dashboard): not logged as a request. */
    public synchronized RetellNumber changeNumber(String phoneNumber, UnaryOperator<RetellNumber> change) {
        RetellNumber changed = change.apply(numbers.get(phoneNumber));
        numbers.put(phoneNumber, changed);
        return changed;
    }

    /** Changes an agent as someone else would: not logged as a request. */
    public synchronized RetellAgent changeAgent(String agentId, UnaryOperator<RetellAgent> change) {
        RetellAgent changed = change.apply(agents.get(agentId));
        agents.put(agentId, changed);
        return changed;
    }

    @Override
    protected Optional<Route> route(String method, String path) {
        Matcher m = ROUTE.matcher(path);
        if (!m.matches()) {
            return Optional.empty();
        }
        // A path segment's "+" is a plus (E.164), not a space.
        String id = URLDecoder.decode(m.group(2).replace("+", "%2B"), StandardCharsets.UTF_8);
        return switch (method + " " + m.group(1)) {
            case "GET get-phone-number" ->
                Optional.of(new Route("getPhoneNumber", r -> authed(r, () -> getNumber(id))));
            case "PATCH update-phone-number" ->
                Optional.of(new Route("updatePhoneNumber", r -> authed(r, () -> updateNumber(id, r))));
            case "GET get-agent" -> Optional.of(new Route("getAgent", r -> authed(r, () -> getAgent(id))));
            case "PATCH update-agent" ->
                Optional.of(new Route("updateAgent", r -> authed(r, () -> updateAgent(id, r))));
            case "GET v2/get-call" -> Optional.of(new Route("getCall", r -> authed(r, () -> getCall(id))));
            case "POST v2/stop-call" -> Optional.of(new Route("stopCall", r -> authed(r, () -> stopCall(id))));
            default -> Optional.empty();
        };
    }

    @Override
    protected Answer error(int status, String message) {
        String text = switch (status) {
            case 401 -> "API key is missing or invalid.";
            case 404 -> "Not Found";
            case 429 -> "Too many requests, please try again later.";
            case 500 -> "An unexpected server error occurred.";
            default -> message;
        };
        return Answer.json(
                status, JSON.createObjectNode().put("status", "error").put("message", text));
    }

    @Override
    protected Optional<Answer> control(String method, List<String> path, JsonNode body) {
        String what = path.isEmpty() ? "" : path.get(0);
        String id = path.size() > 1 ? path.get(1) : null;
        synchronized (this) {
            switch (method + " " + what + (id == null ? "" : " id")) {
                case "POST api-keys" -> {
                    String key = text(body, "api_key") == null ? addApiKey() : addApiKey(text(body, "api_key"));
                    return Optional.of(Answer.json(200, JSON.createObjectNode().put("api_key", key)));
                }
                case "POST agents" -> {
                    RetellAgent a = text(body, "agent_id") == null
                            ? RetellAgent.random()
                            : RetellAgent.of(text(body, "agent_id"));
                    a = a.withAgentName(text(body, "agent_name")).withWebhookUrl(text(body, "webhook_url"));
                    return Optional.of(Answer.json(200, agentJson(addAgent(a))));
                }
                case "GET agents" -> {
                    ArrayNode out = JSON.createArrayNode();
                    agents.values().forEach(a -> out.add(agentJson(a)));
                    return Optional.of(Answer.json(200, out));
                }
                case "GET agents id" -> {
                    return Optional.of(
                            agent(id).map(a -> Answer.json(200, agentJson(a))).orElse(error(404, "")));
                }
                case "POST numbers" -> {
                    String phone = text(body, "phone_number");
                    if (phone == null) {
                        throw new IllegalArgumentException("missing phone_number");
                    }
                    RetellNumber n = RetellNumber.of(phone)
                            .withInboundAgent(text(body, "inbound_agent_id"))
                            .withInboundWebhookUrl(text(body, "inbound_webhook_url"))
                            .withNickname(text(body, "nickname"));
                    return Optional.of(Answer.json(200, numberJson(addNumber(n))));
                }
                case "GET numbers" -> {
                    ArrayNode out = JSON.createArrayNode();
                    numbers.values().forEach(n -> out.add(numberJson(n)));
                    return Optional.of(Answer.json(200, out));
                }
                case "GET numbers id" -> {
                    return Optional.of(
                            number(id).map(n -> Answer.json(200, numberJson(n))).orElse(error(404, "")));
                }
                case "POST calls" -> {
                    String agentId = text(body, "agent_id");
                    String to = text(body, "to_number");
                    if (agentId == null || to == null) {
                        throw new IllegalArgumentException("a call needs agent_id and to_number");
                    }
                    RetellCall c = RetellCall.ongoing(
                            agentId,
                            Optional.ofNullable(text(body, "from_number")).orElse("+15005550006"),
                            to);
                    if (text(body, "call_id") != null || text(body, "call_status") != null) {
                        c = new RetellCall(
                                Optional.ofNullable(text(body, "call_id")).orElse(c.callId()),
                                agentId,
                                c.fromNumber(),
                                to,
                                Optional.ofNullable(text(body, "call_status")).orElse(c.callStatus()),
                                c.start(),
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
                            call(id).map(c -> Answer.json(200, callJson(c))).orElse(error(404, "")));
                }
                default -> {
                    return Optional.empty();
                }
            }
        }
    }

    private Answer authed(Request r, Supplier<Answer> then) {
        String auth = r.authorization();
        if (auth == null
                || !auth.regionMatches(true, 0, "Bearer ", 0, 7)
                || !knownKey(auth.substring(7).trim())) {
            return error(401, "");
        }
        synchronized (this) {
            return then.get();
        }
    }

    private boolean knownKey(String presented) {
        byte[] p = presented.getBytes(StandardCharsets.UTF_8);
        boolean found = false;
        for (String key : apiKeys) {
            found |= MessageDigest.isEqual(p, key.getBytes(StandardCharsets.UTF_8));
        }
        return found;
    }

    private Answer getNumber(String phone) {
        RetellNumber n = numbers.get(phone);
        return n == null ? error(404, "") : Answer.json(200, numberJson(n));
    }

    private Answer updateNumber(String phone, Request r) {
        RetellNumber n = numbers.get(phone);
        if (n == null) {
            return error(404, "");
        }
        JsonNode body = r.json();
        RetellNumber updated = n;
        if (body.has("inbound_agents")) {
            List<RetellAgentWeight> weights = null;
            if (!body.get("inbound_agents").isNull()) {
                weights = new ArrayList<>();
                double sum = 0;
                for (JsonNode w : body.get("inbound_agents")) {
                    String agentId = w.path("agent_id").asText();
                    if (!agents.containsKey(agentId)) {
                        return Answer.json(
                                422,
                                JSON.createObjectNode()
                                        .put("status", "error")
                                        .put("message", "Cannot find requested asset under given api key."));
                    }
                    weights.add(new RetellAgentWeight(agentId, w.path("weight").asDouble()));
                    sum += w.path("weight").asDouble();
                }
                if (!weights.isEmpty() && Math.abs(sum - 1.0) > 1e-9) {
                    return error(400, "Total weights of inbound_agents must add up to 1.");
                }
            }
            updated = updated.withInboundAgents(weights == null || weights.isEmpty() ? null : weights);
        }
        if (body.has("inbound_agent_id")) {
            String agentId = text(body, "inbound_agent_id");
            if (agentId != null && !agents.containsKey(agentId)) {
                return Answer.json(
                        422,
                        JSON.createObjectNode()
                                .put("status", "error")
                                .put("message", "Cannot find requested asset under given api key."));
            }
            updated = updated.withInboundAgent(agentId);
        }
        if (body.has("inbound_webhook_url")) {
            updated = updated.withInboundWebhookUrl(text(body, "inbound_webhook_url"));
        }
        if (body.has("nickname")) {
            updated = updated.withNickname(text(body, "nickname"));
        }
        numbers.put(phone, updated);
        return Answer.json(200, numberJson(updated));
    }

    private Answer getAgent(String agentId) {
        RetellAgent a = agents.get(agentId);
        return a == null ? error(404, "") : Answer.json(200, agentJson(a));
    }

    private Answer updateAgent(String agentId, Request r) {
        RetellAgent a = agents.get(agentId);
        if (a == null) {
            return error(404, "");
        }
        JsonNode body = r.json();
        RetellAgent updated = a;
        if (body.has("webhook_url")) {
            updated = updated.withWebhookUrl(text(body, "webhook_url"));
        }
        if (body.has("agent_name")) {
            updated = updated.withAgentName(text(body, "agent_name"));
        }
        agents.put(agentId, updated);
        return Answer.json(200, agentJson(updated));
    }

    private Answer getCall(String callId) {
        RetellCall c = calls.get(callId);
        return c == null ? error(404, "") : Answer.json(200, callJson(c));
    }

    private Answer stopCall(String callId) {
        RetellCall c = calls.get(callId);
        if (c == null || !c.isLive()) {
            return error(404, "");
        }
        calls.put(callId, c.ended());
        return Answer.empty(204);
    }

    /** Unset fields are left out: the document declares most of them non-nullable in answers. */
    static ObjectNode numberJson(RetellNumber n) {
        ObjectNode o = JSON.createObjectNode();
        o.put("phone_number", n.phoneNumber());
        o.put("phone_number_type", "retell-twilio");
        o.put("phone_number_pretty", n.phoneNumber());
        if (n.inboundAgents() != null) {
            ArrayNode a = o.putArray("inbound_agents");
            n.inboundAgents()
                    .forEach(w -> a.addObject().put("agent_id", w.agentId()).put("weight", w.weight()));
        }
        if (n.inboundWebhookUrl() != null) {
            o.put("inbound_webhook_url", n.inboundWebhookUrl());
        }
        if (n.nickname() != null) {
            o.put("nickname", n.nickname());
        }
        o.put("last_modification_timestamp", n.modified().toEpochMilli());
        return o;
    }

    static ObjectNode agentJson(RetellAgent a) {
        ObjectNode o = JSON.createObjectNode();
        o.put("agent_id", a.agentId());
        o.put("version", a.version());
        o.put("is_published", false);
        o.putObject("response_engine").put("type", "retell-llm").put("llm_id", "llm_" + a.agentId());
        o.put("voice_id", "11labs-Adrian");
        if (a.agentName() != null) {
            o.put("agent_name", a.agentName());
        }
        if (a.webhookUrl() != null) {
            o.put("webhook_url", a.webhookUrl());
        }
        o.put("last_modification_timestamp", a.modified().toEpochMilli());
        return o;
    }

    static ObjectNode callJson(RetellCall c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("call_type", "phone_call");
        o.put("from_number", c.fromNumber());
        o.put("to_number", c.toNumber());
        o.put("direction", "inbound");
        o.put("call_id", c.callId());
        o.put("agent_id", c.agentId());
        o.put("agent_version", 0);
        o.put("call_status", c.callStatus());
        o.put("start_timestamp", c.start().toEpochMilli());
        if (c.end() != null) {
            o.put("end_timestamp", c.end().toEpochMilli());
            o.put("duration_ms", c.end().toEpochMilli() - c.start().toEpochMilli());
        }
        return o;
    }
}
