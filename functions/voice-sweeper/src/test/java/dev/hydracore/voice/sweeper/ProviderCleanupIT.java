package dev.hydracore.voice.sweeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hydracore.voice.core.Json;
import dev.hydracore.voice.core.Metrics;
import dev.hydracore.voice.core.Services;
import dev.hydracore.voice.core.Settings;
import dev.hydracore.voice.core.aws.RetryPolicy;
import dev.hydracore.voice.core.calls.CallEvent;
import dev.hydracore.voice.core.calls.CallState;
import dev.hydracore.voice.core.http.HttpResponse;
import dev.hydracore.voice.core.provider.ProviderCleanup;
import dev.hydracore.voice.core.provider.ProviderCleanup.Outcome;
import dev.hydracore.voice.core.store.CallTransitions;
import dev.hydracore.voice.core.store.CleanupJobs;
import dev.hydracore.voice.core.store.TableLayout;
import dev.hydracore.voice.fakes.Fault;
import dev.hydracore.voice.fakes.ProviderFakes;
import dev.hydracore.voice.fakes.RetellAgent;
import dev.hydracore.voice.fakes.RetellAgentWeight;
import dev.hydracore.voice.fakes.RetellCall;
import dev.hydracore.voice.fakes.RetellNumber;
import dev.hydracore.voice.fakes.TwilioAccount;
import dev.hydracore.voice.fakes.TwilioCall;
import dev.hydracore.voice.fakes.TwilioNumber;
import dev.hydracore.voice.setup.SetupVoiceHandler;
import dev.hydracore.voice.teardown.TeardownVoiceHandler;
import dev.hydracore.voice.testkit.AwsProxy;
import dev.hydracore.voice.testkit.AwsRequestRecorder;
import dev.hydracore.voice.testkit.LogLines;
import dev.hydracore.voice.testkit.TestAws;
import dev.hydracore.voice.testkit.TestClock;
import dev.hydracore.voice.tooling.ApiEvents;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Teardown's provider clean-up, end to end on the emulator and the Prism-fronted fakes: a real
 * setup wires the number, calls go live, a real teardown answers 204, and the sweeper's run restores
 * the number (only where it still holds ours) and hangs up every live call, retrying what failed.
 * Each run's result carries the count of every restore's and hang-up's outcome, and the sweeper's
 * line publishes them as EMF metrics.
 */
class ProviderCleanupIT {
    static final String OLD_URL = "https://old.example.com/voice";
    static TestAws aws;
    static ProviderFakes fakes;
    static TestAws.TestCaller caller;

    @BeforeAll
    static void start() throws Exception {
        aws = TestAws.shared();
        fakes = ProviderFakes.start();
        caller = aws.newCaller();
    }

    @AfterAll
    static void stop() {
        if (fakes != null) {
            fakes.close();
        }
    }

    @AfterEach
    void prismRejectedNothing() {
        fakes.assertPrismRejectedNothing();
    }

    static Services services(TestClock clock) {
        Settings settings = aws.settings()
                .with(Settings.TWILIO_API_BASE_URL, fakes.twilioBaseUrl().toString())
                .with(Settings.RETELL_API_BASE_URL, fakes.retellBaseUrl().toString());
        return aws.services(settings, clock);
    }

    static String e164() {
        return "+1415" + (1000000 + new Random().nextInt(8999999));
    }

    static HttpResponse call(Services services, String method, String iid, String body) {
        ObjectNode event = ApiEvents.of(
                method,
                "/v1/instances/" + iid + "/channels/voice",
                method + " /v1/instances/{instance_id}/channels/voice",
                Map.of("instance_id", iid),
                caller.bearer(),
                body);
        // Setup's and teardown's requests are theirs (their modules' tests record them for the IAM check).
        return AwsRequestRecorder.fixture(() -> method.equals("POST")
                ? new SetupVoiceHandler(services).respond(event)
                : new TeardownVoiceHandler(services).respond(event));
    }

    static String pipecat(TwilioAccount account, String number) {
        ObjectNode b = Json.object();
        b.put("provider", "pipecat");
        b.put("twilio_account_sid", account.sid());
        b.put("twilio_auth_token", account.authToken());
        b.put("twilio_phone_number", number);
        b.put("webhook_secret", "whsec_" + "s".repeat(20));
        b.put("deepgram_api_key", "dg_key");
        b.put("openai_api_key", "oa_key");
        b.put("cartesia_api_key", "ca_key");
        return b.toString();
    }

    static void live(Services services, String iid, String callId) {
        CallTransitions store = services.callTransitions();
        assertEquals(
                CallTransitions.Outcome.APPLIED,
                store.apply(store.read(iid, callId, null), CallEvent.state(CallState.IN_PROGRESS, "+14155550123")));
    }

    static List<CleanupJobs.Job> jobsOf(Services services, String iid) {
        return services.cleanupJobs().due(Long.MAX_VALUE, Integer.MAX_VALUE).stream()
                .filter(j -> j.instanceId().equals(iid))
                .toList();
    }

    /** What one scheduled run does after the sweep: list the calls, purge, then clean up. */
    static ProviderCleanup.Result run(SweeperHandler sweeper) {
        sweeper.purge();
        return sweeper.cleanUp();
    }

    @Test
    void teardownRestoresTheTwilioNumberAndHangsUpEveryLiveCall() throws Exception {
        TestClock clock = new TestClock(Instant.now());
        Services services = services(clock);
        TwilioAccount account = fakes.twilio().addAccount(TwilioAccount.random());
        TwilioNumber number = fakes.twilio()
                .addNumber(TwilioNumber.of(account.sid(), e164())
                        .withVoiceUrl(OLD_URL)
                        .withStatusCallback(OLD_URL));
        String iid = aws.registerInstance(caller);
        assertEquals(
                200,
                call(services, "POST", iid, pipecat(account, number.phoneNumber()))
                        .status());
        List<TwilioCall> calls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TwilioCall c = fakes.twilio().addCall(TwilioCall.inProgress(number, "+1415555012" + i));
            calls.add(c);
            live(services, iid, c.sid());
        }
        // One call ended at Twilio without us hearing of it: 404 there, done for us.
        live(services, iid, "CA" + "f".repeat(32));

        int before = fakes.twilio().requests().size();
        assertEquals(204, call(services, "DELETE", iid, null).status());
        assertEquals(before, fakes.twilio().requests().size(), "the DELETE itself makes no provider call");

        // Through the Lambda entry point: the run's line carries every outcome's count as a metric.
        SweeperHandler sweeper = new SweeperHandler(services(clock));
        LogLines.Captured<JsonNode> captured =
                LogLines.capture(() -> SweeperInvocationLineIT.run(sweeper, "cleanup-1"));
        List<JsonNode> lines = captured.logs().invocations();
        assertEquals(1, lines.size(), captured.logs().text());
        JsonNode line = lines.get(0);
        assertEquals(List.of(), LogLines.emfProblems(line), line.toString());
        Map<String, Long> expected = Map.of(
                Metrics.PROVIDER_CLEANUPS_FINISHED, 1L,
                Metrics.PROVIDER_CLEANUP_RESTORED, 1L,
                Metrics.PROVIDER_CLEANUP_CALLS_HUNG_UP, 3L,
                Metrics.PROVIDER_CLEANUP_CALLS_ALREADY_OVER, 1L);
        for (String metric : List.of(
                Metrics.PROVIDER_CLEANUPS_FINISHED,
                Metrics.PROVIDER_CLEANUPS_RETRYING,
                Metrics.PROVIDER_CLEANUPS_GIVEN_UP,
                Metrics.PROVIDER_CLEANUP_RESTORED,
                Metrics.PROVIDER_CLEANUP_PARTLY_RESTORED,
                Metrics.PROVIDER_CLEANUP_LEFT_ALONE,
                Metrics.PROVIDER_CLEANUP_OBJECTS_GONE,
                Metrics.PROVIDER_CLEANUP_RESTORES_FAILED,
                Metrics.PROVIDER_CLEANUP_CALLS_HUNG_UP,
                Metrics.PROVIDER_CLEANUP_CALLS_ALREADY_OVER,
                Metrics.PROVIDER_CLEANUP_HANG_UPS_FAILED)) {
            assertEquals(List.of(List.of()), LogLines.emfMetrics(line).get(metric), metric);
            assertEquals(expected.getOrDefault(metric, 0L), line.path(metric).asLong(-1), metric);
        }
        TwilioNumber now = fakes.twilio().number(number.sid()).orElseThrow();
        assertEquals(OLD_URL, now.voiceUrl());
        assertEquals(OLD_URL, now.statusCallback());
        for (TwilioCall c : calls) {
            assertEquals("completed", fakes.twilio().call(c.sid()).orElseThrow().status());
        }
        assertEquals(List.of(), jobsOf(services, iid), "the job and its sealed credentials are gone");
        assertEquals(
                4 + 2, fakes.twilio().requests().size() - before, "4 hang-ups, one fetch and one update of the number");
    }

    @Test
    void aLaterForeignChangeIsLeftAloneAndAFailedHangUpIsRetriedWithBackoff() {
        TestClock clock = new TestClock(Instant.now());
        Services services = services(clock);
        String key = fakes.retell().addApiKey();
        RetellAgent agent = fakes.retell().addAgent(RetellAgent.random().withWebhookUrl(OLD_URL));
        RetellAgent theirs = fakes.retell().addAgent(RetellAgent.random());
        RetellNumber number = fakes.retell()
                .addNumber(RetellNumber.of(e164())
                        .withInboundAgent(theirs.agentId())
                        .withInboundWebhookUrl(OLD_URL));
        String iid = aws.registerInstance(caller);
        ObjectNode b = Json.object();
        b.put("api_key", key);
        b.put("agent_id", agent.agentId());
        b.put("phone_number", number.phoneNumber());
        assertEquals(200, call(services, "POST", iid, b.toString()).status());
        RetellCall live =
                fakes.retell().addCall(RetellCall.ongoing(agent.agentId(), "+14155550123", number.phoneNumber()));
        live(services, iid, live.callId());
        // Someone points the agent elsewhere after our setup: that change stays.
        fakes.retell().changeAgent(agent.agentId(), a -> a.withWebhookUrl("https://someone-else.example/hook"));

        assertEquals(
                List.of(new RetellAgentWeight(agent.agentId(), 1.0)),
                fakes.retell().number(number.phoneNumber()).orElseThrow().inboundAgents(),
                "setup routed the number to our agent");

        assertEquals(204, call(services, "DELETE", iid, null).status());
        fakes.retell().inject(Fault.status("stopCall", 503, 1));
        SweeperHandler sweeper = new SweeperHandler(services(clock));
        assertEquals(
                new ProviderCleanup.Result(
                        0, 1, 0, Map.of(Outcome.RESTORED, 1, Outcome.LEFT_ALONE, 1, Outcome.HANG_UP_FAILED, 1)),
                run(sweeper));
        assertTrue(fakes.retell().call(live.callId()).orElseThrow().isLive());
        RetellNumber restored = fakes.retell().number(number.phoneNumber()).orElseThrow();
        assertEquals(OLD_URL, restored.inboundWebhookUrl());
        assertEquals(
                List.of(new RetellAgentWeight(theirs.agentId(), 1.0)),
                restored.inboundAgents(),
                "the number's calls go to its previous agent again");
        assertEquals(
                "https://someone-else.example/hook",
                fakes.retell().agent(agent.agentId()).orElseThrow().webhookUrl());

        assertEquals(ProviderCleanup.Result.NONE, run(sweeper), "not due before its backoff");
        clock.advance(Duration.ofMinutes(1).plusSeconds(1));
        assertEquals(new ProviderCleanup.Result(1, 0, 0, Map.of(Outcome.HUNG_UP, 1)), run(sweeper));
        assertTrue(!fakes.retell().call(live.callId()).orElseThrow().isLive());
        assertEquals(List.of(), jobsOf(services, iid));
    }

    @Test
    void aSetupBeforeTheTeardownsCleanupKeepsTheTwilioNumbersOriginalValues() {
        TestClock clock = new TestClock(Instant.now());
        Services services = services(clock);
        // Set up again at once: the number still holds our URL, the teardown's clean-up has not run.
        SetUpAgain again = setUpAgainBeforeTheCleanup(services, OLD_URL + "/status");
        TwilioNumber number = again.number();
        String iid = again.instanceId();
        SweeperHandler sweeper = new SweeperHandler(services(clock));
        assertEquals(
                new ProviderCleanup.Result(1, 0, 0, Map.of(Outcome.LEFT_ALONE, 1)),
                run(sweeper),
                "the number is the current channel's, and the original values are handed to it");
        assertEquals(
                services.settings().webhookUrl(iid),
                fakes.twilio().number(number.sid()).orElseThrow().voiceUrl(),
                "the current channel's wiring stays");

        assertEquals(204, call(services, "DELETE", iid, null).status());
        assertEquals(new ProviderCleanup.Result(1, 0, 0, Map.of(Outcome.RESTORED, 1)), run(sweeper));
        TwilioNumber now = fakes.twilio().number(number.sid()).orElseThrow();
        assertEquals(OLD_URL, now.voiceUrl());
        assertEquals(OLD_URL + "/status", now.statusCallback());
        assertEquals(List.of(), jobsOf(services, iid));
    }

    @Test
    void aSetupBeforeTheTeardownsCleanupKeepsTheRetellObjectsOriginalValues() {
        TestClock clock = new TestClock(Instant.now());
        Services services = services(clock);
        String key = fakes.retell().addApiKey();
        RetellAgent agent = fakes.retell().addAgent(RetellAgent.random().withWebhookUrl(OLD_URL));
        RetellAgent theirs = fakes.retell().addAgent(RetellAgent.random());
        RetellNumber number = fakes.retell()
                .addNumber(RetellNumber.of(e164())
                        .withInboundAgent(theirs.agentId())
                        .withInboundWebhookUrl(OLD_URL + "/inbound"));
        String iid = aws.registerInstance(caller);
        ObjectNode b = Json.object();
        b.put("api_key", key);
        b.put("agent_id", agent.agentId());
        b.put("phone_number", number.phoneNumber());
        assertEquals(200, call(services, "POST", iid, b.toString()).status());
        assertEquals(204, call(services, "DELETE", iid, null).status());
        assertEquals(200, call(services, "POST", iid, b.toString()).status());
        SweeperHandler sweeper = new SweeperHandler(services(clock));
        assertEquals(new ProviderCleanup.Result(1, 0, 0, Map.of(Outcome.LEFT_ALONE, 2)), run(sweeper));

        assertEquals(204, call(services, "DELETE", iid, null).status());
        assertEquals(new ProviderCleanup.Result(1, 0, 0, Map.of(Outcome.RESTORED, 2)), run(sweeper));
        RetellNumber restored = fakes.retell().number(number.phoneNumber()).orElseThrow();
        assertEquals(OLD_URL + "/inbound", restored.inboundWebhookUrl());
        assertEquals(List.of(new RetellAgentWeight(theirs.agentId(), 1.0)), restored.inboundAgents());
        assertEquals(
                OLD_URL, fakes.retell().agent(agent.agentId()).orElseThrow().webhookUrl());
        assertEquals(List.of(), jobsOf(services, iid));
    }

    @Test
    void aHandOverThatMeetsATeardownAndSetupOfTheChannelIsTriedAgainOnTheChannelThere() {
        TestClock clock = new TestClock(Instant.now());
        Services services = services(clock);
        SetUpAgain again = setUpAgainBeforeTheCleanup(services, OLD_URL);
        TwilioNumber number = again.number();
        String iid = again.instanceId();
        String body = again.body();
        // Just before the clean-up's hand-over is written, the channel is torn down and set up again.
        AtomicBoolean raced = new AtomicBoolean();
        Services racing = aws.services(services.settings(), (op, request, proceed) -> {
            if (op.equals("updateItem")
                    && request instanceof UpdateItemRequest u
                    && u.key().equals(TableLayout.instanceKey(iid))
                    && u.updateExpression().contains(":wiring")
                    && raced.compareAndSet(false, true)) {
                assertEquals(204, call(services, "DELETE", iid, null).status());
                assertEquals(200, call(services, "POST", iid, body).status());
            }
            return proceed.call();
        });
        SweeperHandler sweeper = new SweeperHandler(racing);
        assertEquals(new ProviderCleanup.Result(0, 1, 0), run(sweeper), "the hand-over is refused: tried again");
        assertTrue(raced.get());
        // The second teardown's job finds the number the current channel's and nothing to hand over.
        assertEquals(new ProviderCleanup.Result(1, 0, 0, Map.of(Outcome.LEFT_ALONE, 1)), run(sweeper));
        // Past the refused attempt's backoff (that run's clock was the real one).
        clock.advance(Duration.ofMinutes(3));
        SweeperHandler later = new SweeperHandler(services(clock));
        assertEquals(new ProviderCleanup.Result(1, 0, 0, Map.of(Outcome.LEFT_ALONE, 1)), run(later));

        assertEquals(204, call(services, "DELETE", iid, null).status());
        assertEquals(new ProviderCleanup.Result(1, 0, 0, Map.of(Outcome.RESTORED, 1)), run(later));
        TwilioNumber now = fakes.twilio().number(number.sid()).orElseThrow();
        assertEquals(OLD_URL, now.voiceUrl());
        assertEquals(OLD_URL, now.statusCallback());
        assertEquals(List.of(), jobsOf(services, iid));
    }

    @Test
    void aHandOverWhoseAnswerIsLostCountsAsDone() throws Exception {
        TestClock clock = new TestClock(Instant.now());
        Services services = services(clock);
        SetUpAgain again = setUpAgainBeforeTheCleanup(services, OLD_URL);
        TwilioNumber number = again.number();
        String iid = again.instanceId();
        String body = again.body();
        try (AwsProxy proxy = new AwsProxy(aws.aws().endpoint())) {
            proxy.nextMatching(
                    AwsProxy.UPDATE_ITEM, b -> b.contains(iid) && b.contains(":wiring"), AwsProxy.Fault.DROP_ANSWER);
            SweeperHandler sweeper =
                    new SweeperHandler(aws.servicesVia(proxy.endpoint(), services.settings(), RetryPolicy.SWEEPER));
            assertEquals(
                    new ProviderCleanup.Result(1, 0, 0, Map.of(Outcome.LEFT_ALONE, 1)),
                    run(sweeper),
                    "the retry finds its own write");
            assertTrue(proxy.seen().stream().anyMatch(x -> x.fault().isPresent()), "the answer was dropped");
        }
        assertEquals(204, call(services, "DELETE", iid, null).status());
        assertEquals(
                new ProviderCleanup.Result(1, 0, 0, Map.of(Outcome.RESTORED, 1)),
                run(new SweeperHandler(services(clock))));
        assertEquals(OLD_URL, fakes.twilio().number(number.sid()).orElseThrow().voiceUrl());
    }

    @Test
    void aCleanupThatCannotFinishGivesUpAfter24HoursAndDeletesItsCredentials() {
        TestClock clock = new TestClock(Instant.now());
        Services services = services(clock);
        TwilioAccount account = fakes.twilio().addAccount(TwilioAccount.random());
        TwilioNumber number =
                fakes.twilio().addNumber(TwilioNumber.of(account.sid(), e164()).withVoiceUrl(OLD_URL));
        String iid = aws.registerInstance(caller);
        assertEquals(
                200,
                call(services, "POST", iid, pipecat(account, number.phoneNumber()))
                        .status());
        assertEquals(204, call(services, "DELETE", iid, null).status());
        long teardownAt = clock.millis();
        long lifetimeEnds = teardownAt + Duration.ofHours(24).toMillis();
        fakes.twilio().inject(Fault.status("FetchIncomingPhoneNumber", 500, 1000));
        SweeperHandler sweeper = new SweeperHandler(services(clock));
        // Every attempt fails: follow the backoff (1, 2, 4 … minutes, at most an hour) attempt by
        // attempt; no attempt may be scheduled past the lifetime, and the last one gives up within it.
        List<Long> pauses = new ArrayList<>();
        ProviderCleanup.Result last = ProviderCleanup.Result.NONE;
        for (int attempt = 0; attempt < 100; attempt++) {
            last = run(sweeper);
            List<CleanupJobs.Job> left = jobsOf(services, iid);
            if (left.isEmpty()) {
                break;
            }
            assertEquals(
                    new ProviderCleanup.Result(0, 1, 0, Map.of(Outcome.RESTORE_FAILED, 1)), last, "attempt " + attempt);
            long next = left.get(0).nextAttemptAt();
            assertTrue(next <= lifetimeEnds, "an attempt scheduled past the 24 h lifetime: " + (next - teardownAt));
            pauses.add(next - clock.millis());
            clock.set(Instant.ofEpochMilli(next));
        }
        fakes.twilio().clearFaults();
        assertEquals(new ProviderCleanup.Result(0, 0, 1, Map.of(Outcome.RESTORE_FAILED, 1)), last, "gave up");
        assertTrue(clock.millis() < lifetimeEnds, "gave up within 24 h of the teardown");
        assertEquals(Duration.ofMinutes(1).toMillis(), pauses.get(0));
        assertEquals(Duration.ofMinutes(2).toMillis(), pauses.get(1));
        assertEquals(Duration.ofHours(1).toMillis(), pauses.get(8), "at most an hour apart");
        assertEquals(List.of(), jobsOf(services, iid));
        assertEquals(
                null,
                aws.dynamo()
                        .getItem(g -> g.tableName(aws.resources().tableName())
                                .key(TableLayout.instanceKey(iid))
                                .consistentRead(true))
                        .item()
                        .get(TableLayout.PROVIDER));
    }

    /**
     * A Twilio number holding {@code OLD_URL} (and {@code statusCallback}), a channel set up on it,
     * torn down, and set up again at once, before the teardown's clean-up has run.
     */
    SetUpAgain setUpAgainBeforeTheCleanup(Services services, String statusCallback) {
        TwilioAccount account = fakes.twilio().addAccount(TwilioAccount.random());
        TwilioNumber number = fakes.twilio()
                .addNumber(TwilioNumber.of(account.sid(), e164())
                        .withVoiceUrl(OLD_URL)
                        .withStatusCallback(statusCallback));
        String iid = aws.registerInstance(caller);
        String body = pipecat(account, number.phoneNumber());
        assertEquals(200, call(services, "POST", iid, body).status());
        assertEquals(204, call(services, "DELETE", iid, null).status());
        assertEquals(200, call(services, "POST", iid, body).status());
        return new SetUpAgain(number, iid, body);
    }

    record SetUpAgain(TwilioNumber number, String instanceId, String body) {}
}
