package dev.hydracore.voice.core.provider;

/**
 * A provider request that did not succeed, by what the caller must do about it. The message names
 * the provider, the operation and the status only: never a URL query, a body or a credential.
 */
public final class ProviderException extends RuntimeException {
    private final Kind kind;
    private final int status;

    public ProviderException(Kind kind, String provider, String operation, int status, Throwable cause) {
        super(
                provider + " " + operation + ": " + kind.name().toLowerCase(java.util.Locale.ROOT)
                        + (status > 0 ? " (HTTP " + status + ")" : ""),
                cause,
                false,
                false);
        this.kind = kind;
        this.status = status;
    }

    public Kind kind() {
        return kind;
    }

    /** The provider's HTTP status, or 0 when none came back (timeout, connection failure). */
    public int status() {
        return status;
    }

    /** Classifies a provider's answer status that is not a success. */
    static Kind kindOf(int status) {
        if (status == 401 || status == 403) {
            return Kind.REFUSED_CREDENTIALS;
        }
        if (status == 404) {
            return Kind.NOT_FOUND;
        }
        if (status == 429 || status >= 500) {
            return Kind.UNAVAILABLE;
        }
        return Kind.REJECTED;
    }

    public enum Kind {
        /** 401/403: the credentials are wrong or lack the permission. */
        REFUSED_CREDENTIALS,
        /** 404: the object (number, agent, call) does not exist in the account. */
        NOT_FOUND,
        /** Timeout, connection failure, 429 or 5xx: retry later. */
        UNAVAILABLE,
        /** Another 4xx: the provider refused the request itself. */
        REJECTED
    }
}
