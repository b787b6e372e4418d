package dev.hydracore.voice.core.provider;

import dev.hydracore.voice.core.Deadline;
import dev.hydracore.voice.core.http.ErrorDetail;
import dev.hydracore.voice.core.http.ValidationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The rules of provider wiring, as pure code over a {@link ProviderSession}: what setup sets on
 * which object, how it checks the account first (every read before any write, so a 422 changes
 * nothing), how a failure midway puts back what was already changed, and how teardown restores a
 * field only where it still holds our value.
 */
public final class ProviderWiring {
    static final String TWILIO_NUMBER_NOT_FOUND = "Value error, The Twilio account has no incoming phone number equal"
            + " to this one: buy or port it into the account, or check twilio_account_sid";
    static final String TWILIO_NUMBER_ROUTED = "Value error, This Twilio number's calls are routed by a TwiML"
            + " application or SIP trunk, which ignore its voice URL: remove them from the number in Twilio, or"
            + " send provider_wiring false and route the number yourself";
    static final String TWILIO_REFUSED =
            "Value error, Twilio refused these credentials: check twilio_account_sid and twilio_auth_token";
    static final String RETELL_NUMBER_NOT_FOUND =
            "Value error, The Retell account has no such phone number: buy or import it in Retell first";
    static final String RETELL_AGENT_NOT_FOUND =
            "Value error, The Retell account has no agent with this id: check agent_id";
    static final String RETELL_REFUSED = "Value error, Retell refused this API key: send a key of the Retell account";

    /** The time putting back a failed setup's writes may take, on top of setup's own provider budget. */
    public static final Duration UNDO_BUDGET = Duration.ofSeconds(4);

    private ProviderWiring() {}

    /** What a Twilio channel sets: its number's voice URL and status callback, both POSTed. */
    public static List<Wiring.Wanted> twilio(String accountSid, String phoneNumber, String webhookUrl) {
        Map<String, String> ours = new LinkedHashMap<>();
        ours.put("VoiceUrl", webhookUrl);
        ours.put("VoiceMethod", "POST");
        ours.put("StatusCallback", webhookUrl);
        ours.put("StatusCallbackMethod", "POST");
        return List.of(new Wiring.Wanted(ProviderObject.TWILIO_NUMBER, phoneNumber, accountSid, ours));
    }

    /** What a Retell channel sets: the number's inbound agent and webhook, and the agent's webhook. */
    public static List<Wiring.Wanted> retell(String agentId, String phoneNumber, String webhookUrl) {
        return List.of(
                new Wiring.Wanted(
                        ProviderObject.RETELL_NUMBER,
                        phoneNumber,
                        "",
                        Map.of(
                                "inbound_agents",
                                RetellSession.oneAgent(agentId),
                                "inbound_webhook_url",
                                RetellSession.url(webhookUrl))),
                new Wiring.Wanted(
                        ProviderObject.RETELL_AGENT,
                        agentId,
                        "",
                        Map.of("webhook_url", RetellSession.url(webhookUrl))));
    }

    /**
     * Makes the account hold {@code wanted}, starting from what the channel set before
     * ({@code stored}). An object the channel wired before is read (that checks the credentials,
     * and finds an object someone else changed, or that a setup whose answer was lost put back)
     * and written only where it does not hold our values, its stored previous values kept; a new
     * one is found and read first. Every read happens
     * before any write: a missing object or refused credentials is a 422 with nothing changed. A
     * failure during the writes puts back what was written (best effort) and is rethrown. The
     * stored objects no longer wanted are in {@link Plan#released()}, for the caller to restore
     * once its own write succeeded. A failure of a write throws {@link Failed}: every write made, and
     * the one in doubt (a timeout or 5xx), is put back first, and those that could not be are in it,
     * for the caller to leave to the clean-up (a write in doubt may still land after its undo).
     */
    public static Plan wire(
            ProviderSession session, List<Wiring.Wired> stored, List<Wiring.Wanted> wanted, Deadline d) {
        return wire(session, stored, wanted, d, () -> Deadline.in(UNDO_BUDGET));
    }

    /** As {@link #wire(ProviderSession, List, List, Deadline)}, putting back within {@code undoBy}'s deadline. */
    public static Plan wire(
            ProviderSession session,
            List<Wiring.Wired> stored,
            List<Wiring.Wanted> wanted,
            Deadline d,
            Supplier<Deadline> undoBy) {
        List<ErrorDetail> problems = new ArrayList<>();
        List<Wiring.Wired> next = new ArrayList<>();
        List<Write> writes = new ArrayList<>();
        for (Wiring.Wanted w : wanted) {
            Optional<Wiring.Wired> before =
                    stored.stream().filter(s -> s.sameObject(w)).findFirst();
            try {
                if (before.isPresent()) {
                    Wiring.Wired s = before.get();
                    Map<String, String> now = session.read(w.kind(), s.id(), d);
                    if (w.ours().entrySet().stream().anyMatch(f -> !f.getValue().equals(now.get(f.getKey())))) {
                        Map<String, String> was = new LinkedHashMap<>();
                        w.ours().keySet().forEach(f -> was.put(f, now.getOrDefault(f, "")));
                        writes.add(new Write(w.kind(), s.id(), w.ours(), was));
                    }
                    next.add(new Wiring.Wired(w.kind(), w.name(), s.id(), w.account(), s.previous(), w.ours()));
                    continue;
                }
                ProviderSession.Located found = session.locate(w.kind(), w.name(), d);
                if (found.routedElsewhere()) {
                    problems.add(ErrorDetail.of(TWILIO_NUMBER_ROUTED, "value_error", "body", objectField(w.kind())));
                    continue;
                }
                Map<String, String> previous = new LinkedHashMap<>();
                w.ours().keySet().forEach(f -> previous.put(f, found.values().getOrDefault(f, "")));
                writes.add(new Write(w.kind(), found.id(), w.ours(), previous));
                next.add(new Wiring.Wired(w.kind(), w.name(), found.id(), w.account(), previous, w.ours()));
            } catch (ProviderException e) {
                switch (e.kind()) {
                    case REFUSED_CREDENTIALS -> {
                        ErrorDetail refused = refused(w.kind());
                        if (!problems.contains(refused)) {
                            problems.add(refused);
                        }
                    }
                    case NOT_FOUND -> problems.add(notFound(w.kind()));
                    default -> throw e;
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
        List<Write> done = new ArrayList<>();
        for (Write w : writes) {
            try {
                session.write(w.kind(), w.id(), w.values(), d);
                done.add(w);
            } catch (ProviderException e) {
                // A timeout or 5xx says nothing of whether the provider applied the write, or will
                // yet: it is put back like the ones that succeeded, and left to the clean-up too,
                // which looks again later and restores only what still holds our values.
                boolean inDoubt = e.kind() == ProviderException.Kind.UNAVAILABLE;
                if (inDoubt) {
                    done.add(w);
                }
                List<Write> left = new ArrayList<>(undo(session, done, undoBy.get()));
                if (inDoubt && !left.contains(w)) {
                    left.add(w);
                }
                throw new Failed(e, left);
            }
        }
        List<Wiring.Wired> released = new ArrayList<>();
        for (Wiring.Wired s : stored) {
            if (wanted.stream().noneMatch(s::sameObject)) {
                released.add(s);
            }
        }
        return new Plan(next, done, released);
    }

    /**
     * Puts back what {@code done} wrote, newest first, each as it was before; returns the writes
     * that could not be put back (the caller leaves them to the clean-up).
     */
    public static List<Write> undo(ProviderSession session, List<Write> done, Deadline d) {
        List<Write> failed = new ArrayList<>();
        for (int i = done.size() - 1; i >= 0; i--) {
            Write w = done.get(i);
            try {
                session.write(w.kind(), w.id(), w.before(), d);
            } catch (ProviderException e) {
                failed.add(w);
            }
        }
        return failed;
    }

    /**
     * Gives an object back its previous values, field by field, only where the field still holds
     * ours (someone's later change is left alone). An object gone from the account counts as done.
     */
    public static Restored restore(ProviderSession session, Wiring.Wired w, Deadline d) {
        Map<String, String> now;
        try {
            now = session.read(w.kind(), w.id(), d);
        } catch (ProviderException e) {
            if (e.kind() == ProviderException.Kind.NOT_FOUND) {
                return Restored.GONE;
            }
            throw e;
        }
        Map<String, String> back = new LinkedHashMap<>();
        for (Map.Entry<String, String> ours : w.ours().entrySet()) {
            if (ours.getValue().equals(now.get(ours.getKey()))) {
                back.put(ours.getKey(), w.previous().getOrDefault(ours.getKey(), ""));
            }
        }
        if (back.isEmpty()) {
            return Restored.LEFT_ALONE;
        }
        try {
            session.write(w.kind(), w.id(), back, d);
        } catch (ProviderException e) {
            if (e.kind() == ProviderException.Kind.NOT_FOUND) {
                return Restored.GONE;
            }
            throw e;
        }
        return back.size() == w.ours().size() ? Restored.RESTORED : Restored.PARTLY_RESTORED;
    }

    /** The setup field that names an object of this kind. */
    static String objectField(ProviderObject kind) {
        return switch (kind) {
            case TWILIO_NUMBER -> "twilio_phone_number";
            case RETELL_NUMBER -> "phone_number";
            case RETELL_AGENT -> "agent_id";
        };
    }

    private static ErrorDetail refused(ProviderObject kind) {
        return kind == ProviderObject.TWILIO_NUMBER
                ? ErrorDetail.of(TWILIO_REFUSED, "value_error", "body", "twilio_auth_token")
                : ErrorDetail.of(RETELL_REFUSED, "value_error", "body", "api_key");
    }

    private static ErrorDetail notFound(ProviderObject kind) {
        String msg = switch (kind) {
            case TWILIO_NUMBER -> TWILIO_NUMBER_NOT_FOUND;
            case RETELL_NUMBER -> RETELL_NUMBER_NOT_FOUND;
            case RETELL_AGENT -> RETELL_AGENT_NOT_FOUND;
        };
        return ErrorDetail.of(msg, "value_error", "body", objectField(kind));
    }

    /**
     * A write of {@link #wire} failed ({@link #getCause()}): what it wrote, and the write in doubt,
     * were put back, except {@link #notPutBack()}, which still may hold our values.
     */
    public static final class Failed extends RuntimeException {
        private final List<Write> notPutBack;

        Failed(ProviderException cause, List<Write> notPutBack) {
            super(cause.getMessage(), cause, false, false);
            this.notPutBack = List.copyOf(notPutBack);
        }

        @Override
        public ProviderException getCause() {
            return (ProviderException) super.getCause();
        }

        public List<Write> notPutBack() {
            return notPutBack;
        }
    }

    /** One write setup made: the values set, and what the fields held before (to put back on failure). */
    public record Write(ProviderObject kind, String id, Map<String, String> values, Map<String, String> before) {}

    /**
     * What a wiring did: the objects the channel now holds ({@code wired}), the writes made
     * ({@code done}, to undo if the caller's own write fails), the objects no longer wanted.
     */
    public record Plan(List<Wiring.Wired> wired, List<Write> done, List<Wiring.Wired> released) {}

    /** How a restore ended; each is final (nothing left to retry). */
    public enum Restored {
        RESTORED,
        PARTLY_RESTORED,
        LEFT_ALONE,
        GONE
    }
}
