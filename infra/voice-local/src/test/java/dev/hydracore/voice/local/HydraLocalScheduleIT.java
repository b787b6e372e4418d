package dev.hydracore.voice.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.webhook.TimestampedHmac;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The sweeper's Schedule event fires in {@code ./hydra local} on its real {@code rate(1 minute)}
 * and ends a lost call: ./hydra local as a process with {@code --parameter-overrides} lowering
 * MaxCallSeconds to 5, a Retell channel set up over HTTP, a signed {@code call_started}, the call
 * counted and listed; its end never arrives, and within the next firing or two active_calls is 0
 * again — which only the sweeper can do (the status route reads the counter). Takes one to two
 * minutes, by design: the schedule is EventBridge's, not a sped-up one.
 */
class HydraLocalScheduleIT {
    private static final Pattern FIRST_FIRING = Pattern.compile(
            "schedule VoiceSweeperFunction\\.Sweep rate\\(1 minute\\) -> VoiceSweeperFunction, first firing (\\S+)");
    private static final Pattern ANSWER = Pattern.compile(
            "schedule VoiceSweeperFunction\\.Sweep: VoiceSweeperFunction answered RESULT in \\d+ ms: (\\{.*})");

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void theSweepersScheduleFiresEveryMinuteAndEndsALostCall() throws Exception {
        int port = HydraLocalProcess.freePort();
        Path log = HydraLocalProcess.logFile("hydra-local-schedule.log");
        // Both forms sam accepts in one run: a quoted 'A=1 B=2' argument and CloudFormation's key/value form.
        ProcessBuilder pb = HydraLocalProcess.builder(
                port,
                log,
                List.of(
                        "--parameter-overrides",
                        "MaxCallSeconds=5 EndedCallTtlSeconds=600",
                        "ParameterKey=ApiKeyCacheSeconds,ParameterValue=0"));
        Instant launched = Instant.now();
        Process hydra = pb.start();
        List<ProcessHandle> started = List.of();
        try {
            JsonNode ready = HydraLocalProcess.awaitReady(hydra, log);
            String base = ready.get("base_url").asText();
            String instance = ready.get("instance_id").asText();
            String apiKey = ready.get("api_key").asText();
            URI channel = URI.create(base + "/v1/instances/" + instance + "/channels/voice");
            URI callsUri = URI.create(channel + "/calls");

            Matcher first = FIRST_FIRING.matcher(HydraLocalProcess.readLog(log));
            assertTrue(first.find(), () -> "the sweeper's schedule is announced:\n" + HydraLocalProcess.readLog(log));
            Instant firstFiring = Instant.parse(first.group(1));
            assertTrue(
                    !firstFiring.isBefore(launched.plusSeconds(60))
                            && firstFiring.isBefore(Instant.now().plusSeconds(61)),
                    () -> "rate(1 minute) first fires a minute after the start: " + firstFiring + ", launched "
                            + launched);
            assertTrue(
                    HydraLocalProcess.readLog(log)
                            .contains("MaxCallSeconds=5 is outside the template's MinValue/MaxValue"),
                    () -> HydraLocalProcess.readLog(log));

            String retellKey = "key_" + UUID.randomUUID().toString().replace("-", "");
            HttpResponse<String> setup = send(HttpRequest.newBuilder(channel)
                    .header("Authorization", "Bearer " + apiKey)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.object()
                            .put("provider", "retell")
                            .put("api_key", retellKey)
                            .put("agent_id", "agent_schedule")
                            .put("phone_number", "+14155550100")
                            .put("provider_wiring", false)
                            .toString())));
            assertEquals(200, setup.statusCode(), setup::body);
            // Warm the status and list functions first, so that the listing below comes well within the 5 s a call
            // counts.
            assertEquals(0, status(channel, apiKey).get("active_calls").asInt());
            assertEquals(0, calls(callsUri, apiKey).size());

            String callId = "call_" + UUID.randomUUID().toString().replace("-", "");
            byte[] body = ("{\"event\":\"call_started\",\"call\":{\"call_id\":\"" + callId
                            + "\",\"agent_id\":\"agent_schedule\","
                            + "\"from_number\":\"+14155550123\",\"to_number\":\"+14155550100\",\"transcript_object\":[]}}")
                    .getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> webhook = send(HttpRequest.newBuilder(
                            URI.create(base + "/v1/webhooks/voice/" + instance))
                    .header("Content-Type", "application/json")
                    .header("x-retell-signature", TimestampedHmac.sign(body, retellKey, System.currentTimeMillis()))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
            assertEquals(200, webhook.statusCode(), webhook::body);
            Instant callStarted = Instant.now();
            assertEquals(1, status(channel, apiKey).get("active_calls").asInt());
            JsonNode listed = calls(callsUri, apiKey);
            assertTrue(
                    Duration.between(callStarted, Instant.now()).toSeconds() < 5,
                    "listed within MaxCallSeconds (the list itself hides older calls), so this check means something");
            assertEquals(1, listed.size(), listed::toString);
            assertEquals(callId, listed.get(0).get("call_id").asText());

            // The call's end never arrives. Once it is older than 5 s the next firing ends it: at
            // the first firing if the call started more than 5 s before it, else at the second.
            Instant deadline = (callStarted.plusSeconds(5).isBefore(firstFiring)
                            ? firstFiring
                            : firstFiring.plusSeconds(60))
                    .plusSeconds(45);
            int active = 1;
            while (active != 0 && Instant.now().isBefore(deadline)) {
                Thread.sleep(2000);
                active = status(channel, apiKey).get("active_calls").asInt();
            }
            assertEquals(
                    0,
                    active,
                    () -> "the sweeper ended the lost call by " + deadline + ":\n" + HydraLocalProcess.readLog(log));
            Instant endedBy = Instant.now();
            assertTrue(
                    !endedBy.isBefore(firstFiring),
                    "nothing but the schedule ended it: not before the first firing " + firstFiring);
            assertEquals(0, calls(callsUri, apiKey).size());

            String logText = HydraLocalProcess.readLog(log);
            assertTrue(logText.contains("schedule VoiceSweeperFunction.Sweep fired (rate(1 minute), event "), logText);
            Matcher answer = ANSWER.matcher(logText);
            int ended = 0;
            while (answer.find()) {
                ended += Json.MAPPER.readTree(answer.group(1)).get("ended").asInt();
            }
            assertEquals(1, ended, () -> "one run ended exactly the one call:\n" + logText);

            started = hydra.toHandle().descendants().toList();
            hydra.destroy();
            assertTrue(hydra.waitFor(30, TimeUnit.SECONDS), "./hydra local stops on SIGTERM with the schedule running");
            for (ProcessHandle child : started) {
                child.onExit().get(10, TimeUnit.SECONDS);
                assertFalse(
                        child.isAlive(),
                        () -> "survived: " + child.pid() + " "
                                + child.info().commandLine().orElse(""));
            }
        } finally {
            List<ProcessHandle> left = hydra.toHandle().descendants().toList();
            hydra.destroyForcibly();
            left.forEach(ProcessHandle::destroyForcibly);
            started.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private JsonNode status(URI channel, String apiKey) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(channel)
                .header("Authorization", "Bearer " + apiKey)
                .GET());
        assertEquals(200, r.statusCode(), r::body);
        return Json.MAPPER.readTree(r.body());
    }

    private JsonNode calls(URI calls, String apiKey) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(calls)
                .header("Authorization", "Bearer " + apiKey)
                .GET());
        assertEquals(200, r.statusCode(), r::body);
        return Json.MAPPER.readTree(r.body());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
