package io.kubeforward.actuate;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a failed bind of an HTTP address into Spring Boot's short "APPLICATION FAILED TO START" report. */
class HttpBindFailureAnalyzer extends AbstractFailureAnalyzer<HttpBindException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, HttpBindException cause) {
        return new FailureAnalysis("kubeforward " + cause.getMessage(),
                "Stop what listens on " + cause.address() + ", or move " + cause.what() + " (docs/operations.md).", cause);
    }
}
