package io.kubeforward.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link ConfigException} at startup into Spring Boot's short "APPLICATION FAILED TO START" report
 * with the {@code FILE:LINE: message} first, instead of a wall of bean-creation stack traces.
 */
class ConfigFailureAnalyzer extends AbstractFailureAnalyzer<ConfigException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ConfigException cause) {
        return new FailureAnalysis("Invalid kubeforward configuration: " + cause.getMessage(),
                "Fix " + cause.location() + " (directives, options and defaults: docs/configuration.md).", cause);
    }
}
