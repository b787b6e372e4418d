package dev.hydracore.voice.core.provider;

import dev.hydracore.voice.core.Deadline;
import java.util.Map;

/**
 * One provider account, opened with its credentials: what wiring, teardown's clean-up and End Call
 * ask of a provider. Small on purpose, so the rules above it are tested as pure code against an
 * in-memory account. Every method throws {@link ProviderException} for an answer that is not a
 * success.
 */
public interface ProviderSession {
    /**
     * Finds the object the channel names ({@code name}: the E.164 number, or the agent id) and
     * reads the fields setup sets. {@link ProviderException.Kind#NOT_FOUND} when the account has
     * no such object.
     */
    Located locate(ProviderObject kind, String name, Deadline deadline);

    /** The fields setup sets, as they are now on the object {@code id} (from {@link Located#id()}). */
    Map<String, String> read(ProviderObject kind, String id, Deadline deadline);

    /** Sets the given fields of the object {@code id}; the others are left as they are. */
    void write(ProviderObject kind, String id, Map<String, String> values, Deadline deadline);

    /** Hangs up a live call; a call the provider says is already over is {@link HangUp#ALREADY_OVER}. */
    HangUp hangUp(String callId, Deadline deadline);

    /**
     * An object found in the account: its id for later requests, the fields setup sets, and
     * whether something else routes its calls (a Twilio number with a TwiML application or a SIP
     * trunk ignores its voice URL).
     */
    record Located(String id, Map<String, String> values, boolean routedElsewhere) {}

    enum HangUp {
        HUNG_UP,
        ALREADY_OVER
    }
}
