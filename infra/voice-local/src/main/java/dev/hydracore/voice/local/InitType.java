package dev.hydracore.voice.local;

import java.util.Locale;

/**
 * How Lambda initializes a function's execution environment, the value of
 * {@code AWS_LAMBDA_INITIALIZATION_TYPE}: {@code snap-start} (SnapStart on published versions: init,
 * the CRaC hooks, a snapshot, restore, then invocations; credentials only from the container
 * endpoint) or {@code on-demand} (init, then invocations; credentials in access-key variables).
 */
public enum InitType {
    SNAP_START("snap-start"),
    ON_DEMAND("on-demand");

    private final String value;

    InitType(String value) {
        this.value = value;
    }

    /** The variable's value, as Lambda sets it. */
    public String value() {
        return value;
    }

    public InitType other() {
        return this == SNAP_START ? ON_DEMAND : SNAP_START;
    }

    public static InitType parse(String s) {
        for (InitType t : values()) {
            if (t.value.equals(s.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown init type " + s + " (snap-start or on-demand)");
    }
}
