package io.kubeforward.discovery;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state of one Service's watch, for logs, metrics and {@code /actuator/upstreams}. State changes are
 * logged once each; repeated errors while disconnected are only counted.
 */
public final class WatchStatus {

    /** Where the watch stands. */
    public enum State {
        /** Not listed yet. */
        STARTING,
        /** Listed; watching for changes. */
        WATCHING,
        /** The API server could not be reached or answered an error; the last known endpoints stay in use. */
        DISCONNECTED
    }

    private static final Logger log = LoggerFactory.getLogger(WatchStatus.class);

    private final String service;
    private final Clock clock;
    private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);
    private final AtomicLong errors = new AtomicLong();
    private volatile Instant lastSync;
    private volatile String lastError = "";

    WatchStatus(String service, Clock clock) {
        this.service = service;
        this.clock = clock;
    }

    void listed() {
        lastSync = clock.instant();
        State previous = state.getAndSet(State.WATCHING);
        if (previous != State.WATCHING) {
            log.info("EndpointSlices of {}: listed, watching (was {}, {} errors so far)", service, previous, errors.get());
        }
    }

    /**
     * A watch is open again without a new list: resumed from {@code resourceVersion} after it was lost. (After a list
     * the state is already WATCHING.)
     */
    void watching(String resourceVersion) {
        State previous = state.getAndSet(State.WATCHING);
        if (previous == State.DISCONNECTED) {
            log.info("EndpointSlices of {}: watching again, resumed from resourceVersion {} without a new list ({} errors so far)",
                    service, resourceVersion, errors.get());
        }
    }

    void failed(Throwable error) {
        errors.incrementAndGet();
        lastError = describe(error);
        State previous = state.getAndSet(State.DISCONNECTED);
        if (previous != State.DISCONNECTED) {
            log.warn("EndpointSlices of {}: {} ({}); keeping the last known endpoints and retrying with backoff", service,
                    previous == State.STARTING ? "cannot list" : "watch lost", lastError);
        }
    }

    static String describe(Throwable error) {
        if (error instanceof io.kubernetes.client.openapi.ApiException api && api.getCode() != 0) {
            return "HTTP " + api.getCode() + (api.getResponseBody() == null ? "" : ": " + api.getResponseBody().strip());
        }
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    public String service() {
        return service;
    }

    public State state() {
        return state.get();
    }

    public long errors() {
        return errors.get();
    }

    public Optional<Instant> lastSync() {
        return Optional.ofNullable(lastSync);
    }

    public String lastError() {
        return lastError;
    }
}
