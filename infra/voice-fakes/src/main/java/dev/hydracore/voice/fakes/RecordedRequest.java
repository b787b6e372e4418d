package dev.hydracore.voice.fakes;

/**
 * One request a fake received, for tests that assert what was (not) called: the provider
 * document's operationId ({@code null} for a path the fake does not serve), whether an
 * {@code Authorization} header was presented (never its value), and the status answered.
 */
public record RecordedRequest(
        String operation, String method, String path, String query, String body, boolean authPresented, int status) {

    /** A request that asked to change state (not a read) and was answered 2xx. */
    public boolean isAcceptedWrite() {
        return !method.equals("GET") && status >= 200 && status < 300;
    }
}
