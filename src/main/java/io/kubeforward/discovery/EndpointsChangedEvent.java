package io.kubeforward.discovery;

import java.util.List;
import java.util.Objects;

/**
 * The endpoints of a watched Service changed (only published when the set differs from the last one).
 *
 * @param pool     the upstream pool the Service feeds
 * @param service  {@code namespace/name} of the Service
 * @param previous the set before
 * @param current  the set now
 * @param cause    what produced it: {@code watch}, {@code snapshot}
 */
public record EndpointsChangedEvent(String pool, String service, EndpointSet previous, EndpointSet current, String cause) {

    public EndpointsChangedEvent {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(previous, "previous");
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(cause, "cause");
    }

    /** Addresses (with conditions) present now and not before. */
    public List<DiscoveredEndpoint> added() {
        return current.endpoints().stream().filter(e -> !previous.endpoints().contains(e)).toList();
    }

    /** Addresses (with conditions) present before and not now. */
    public List<DiscoveredEndpoint> removed() {
        return previous.endpoints().stream().filter(e -> !current.endpoints().contains(e)).toList();
    }
}
