package dev.hydracore.voice.fakes;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One thing Prism found wrong in a request to a provider or in the fake's answer: which provider,
 * the request's method and path, the status the client got, and Prism's own words
 * ({@code location} such as {@code request.body.VoiceUrl} or {@code response.body.voice_url},
 * {@code severity} {@code Error} or {@code Warning}, {@code code}, {@code message}).
 */
public record PrismViolation(
        String provider,
        String method,
        String path,
        int status,
        String location,
        String severity,
        String code,
        String message) {
    static final String UNDECLARED_STATUS = "Unable to match the returned status code";

    /**
     * Whether this counts against the run: everything but Prism's warning that an error status
     * (4xx/5xx) is not declared by the document. The providers' documents declare few error
     * answers (Twilio's none), yet 401, 404, 429 and 500 are the fakes' faithful answers.
     */
    public boolean isRejection() {
        return !(severity.equals("Warning") && status >= 400 && message.startsWith(UNDECLARED_STATUS));
    }

    ObjectNode toJson() {
        ObjectNode o = FakeProvider.JSON.createObjectNode();
        o.put("provider", provider);
        o.put("method", method);
        o.put("path", path);
        o.put("status", status);
        o.put("location", location);
        o.put("severity", severity);
        o.put("code", code);
        o.put("message", message);
        o.put("rejection", isRejection());
        return o;
    }

    @Override
    public String toString() {
        return provider + " " + method + " " + path + " -> " + status + ": " + severity + " at " + location + ": "
                + message;
    }
}
