package io.kubeforward.config;

import java.util.Objects;

/**
 * A configuration that cannot be applied. The message always starts with where the problem is:
 * {@code FILE:LINE: message} for a Corefile, {@code PROPERTY: message} for Spring properties.
 */
public final class ConfigException extends RuntimeException {

    private final String location;
    private final String problem;

    public ConfigException(String location, String problem) {
        super(Objects.requireNonNull(location, "location") + ": " + Objects.requireNonNull(problem, "problem"));
        this.location = location;
        this.problem = problem;
    }

    public ConfigException(String location, String problem, Throwable cause) {
        this(location, problem);
        initCause(cause);
    }

    /** {@code FILE:LINE} or the property path. */
    public String location() {
        return location;
    }

    /** The message without the location. */
    public String problem() {
        return problem;
    }
}
