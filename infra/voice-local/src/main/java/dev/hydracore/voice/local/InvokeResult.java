package dev.hydracore.voice.local;

import java.nio.charset.StandardCharsets;

/** What one invocation of a function produced: its output, or Lambda's error JSON and why. */
public record InvokeResult(Outcome outcome, byte[] payload) {

    public static InvokeResult environmentFailed(String why) {
        String json = "{\"errorMessage\":" + quote(why) + ",\"errorType\":\"Runtime.ExitError\"}";
        return new InvokeResult(Outcome.ENVIRONMENT_FAILED, json.getBytes(StandardCharsets.UTF_8));
    }

    public String payloadText() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    private static String quote(String s) {
        return dev.hydracore.voice.core.Json.MAPPER.getNodeFactory().textNode(s).toString();
    }

    public enum Outcome {
        /** The handler returned; payload is its output. */
        RESULT,
        /** The handler threw; payload is Lambda's error JSON. */
        FUNCTION_ERROR,
        /** The function ran past its Timeout; its environment is discarded. */
        TIMEOUT,
        /** The handler could not be constructed (Lambda's init phase failed). */
        INIT_ERROR,
        /** The function JVM could not be started or died; nothing ran to completion. */
        ENVIRONMENT_FAILED
    }
}
