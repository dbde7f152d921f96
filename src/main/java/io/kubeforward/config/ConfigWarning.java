package io.kubeforward.config;

import java.util.Objects;

/**
 * Something accepted but worth a WARN line when the configuration is loaded.
 *
 * @param location {@code FILE:LINE} or property path
 * @param message  what was accepted and how it is handled
 */
record ConfigWarning(String location, String message) {

    ConfigWarning {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return location + ": " + message;
    }
}
