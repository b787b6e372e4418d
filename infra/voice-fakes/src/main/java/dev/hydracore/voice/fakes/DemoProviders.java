package dev.hydracore.voice.fakes;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The demo accounts {@code ./hydra local} seeds its fakes with, so a newcomer can watch a setup
 * wire a number and a teardown unwire it, offline. Twilio: an account, a number wired to a
 * previous voice URL and status callback (setup points them at the channel), a number routed by a
 * TwiML application and one by a SIP trunk (setup refuses both: 422). Retell: an API key, the agent
 * to set up with (a previous webhook), another agent, and a number whose inbound calls go to that
 * other agent and a previous inbound webhook. Every credential here is fake and printed on purpose.
 */
public record DemoProviders(
        TwilioAccount twilioAccount,
        TwilioNumber twilioNumber,
        TwilioNumber twilioApplicationNumber,
        TwilioNumber twilioTrunkNumber,
        String retellApiKey,
        RetellAgent retellAgent,
        RetellAgent retellPreviousAgent,
        RetellNumber retellNumber) {
    public static final String PREVIOUS = "https://previous.example.com";

    public static DemoProviders seed(ProviderFakes fakes) {
        FakeTwilio twilio = fakes.twilio();
        TwilioAccount account = twilio.addAccount(TwilioAccount.random());
        TwilioNumber number = twilio.addNumber(TwilioNumber.of(account.sid(), "+15005550100")
                .withVoiceUrl(PREVIOUS + "/twilio/voice")
                .withStatusCallback(PREVIOUS + "/twilio/status"));
        TwilioNumber application = twilio.addNumber(TwilioNumber.of(account.sid(), "+15005550101")
                .withVoiceApplicationSid("AP" + FakeProvider.randomHex(16)));
        TwilioNumber trunk = twilio.addNumber(
                TwilioNumber.of(account.sid(), "+15005550102").withTrunkSid("TK" + FakeProvider.randomHex(16)));
        FakeRetell retell = fakes.retell();
        String key = retell.addApiKey();
        RetellAgent agent = retell.addAgent(
                RetellAgent.random().withAgentName("Demo agent").withWebhookUrl(PREVIOUS + "/retell/agent"));
        RetellAgent previousAgent = retell.addAgent(RetellAgent.random().withAgentName("Previous agent"));
        RetellNumber retellNumber = retell.addNumber(RetellNumber.of("+14155550100")
                .withInboundAgent(previousAgent.agentId())
                .withInboundWebhookUrl(PREVIOUS + "/retell/inbound"));
        return new DemoProviders(account, number, application, trunk, key, agent, previousAgent, retellNumber);
    }

    /** The READY line's {@code providers} object: where each fake is, and what it holds. */
    public ObjectNode toJson(ProviderFakes fakes) {
        ObjectNode out = FakeProvider.JSON.createObjectNode();
        out.putObject("twilio")
                .put("base_url", fakes.twilioBaseUrl().toString())
                .put("control_url", fakes.twilioControlUrl().toString())
                .put("account_sid", twilioAccount.sid())
                .put("auth_token", twilioAccount.authToken())
                .put("phone_number", twilioNumber.phoneNumber())
                .put("phone_number_sid", twilioNumber.sid())
                .put("application_phone_number", twilioApplicationNumber.phoneNumber())
                .put("trunk_phone_number", twilioTrunkNumber.phoneNumber());
        out.putObject("retell")
                .put("base_url", fakes.retellBaseUrl().toString())
                .put("control_url", fakes.retellControlUrl().toString())
                .put("api_key", retellApiKey)
                .put("agent_id", retellAgent.agentId())
                .put("previous_agent_id", retellPreviousAgent.agentId())
                .put("phone_number", retellNumber.phoneNumber());
        return out;
    }

    @Override
    public String toString() {
        return "DemoProviders[twilio " + twilioAccount.sid() + ", retell agent " + retellAgent.agentId() + "]";
    }
}
