package io.kubeforward.discovery;

import java.util.Comparator;
import java.util.List;

/**
 * All endpoint addresses of a Service at one moment, sorted so that equal sets compare equal whatever
 * order the API returned them in.
 *
 * @param endpoints every address with its conditions (also those out of rotation)
 */
public record EndpointSet(List<DiscoveredEndpoint> endpoints) {

    private static final Comparator<DiscoveredEndpoint> ORDER = Comparator
            .comparing((DiscoveredEndpoint e) -> e.address().getAddress().length)
            .thenComparing(e -> e.address().getAddress(), java.util.Arrays::compareUnsigned)
            .thenComparingInt(DiscoveredEndpoint::port)
            .thenComparing(DiscoveredEndpoint::slice);

    public static final EndpointSet EMPTY = new EndpointSet(List.of());

    public EndpointSet {
        endpoints = endpoints.stream().sorted(ORDER).toList();
    }

    /**
     * The endpoints to forward to: those in rotation; if there are none, those serving while they terminate; if there
     * are none either, the not-ready ones that are not terminating, which the pool's health checks then sort out (the
     * API's readiness can be wrong for all of them at once: after an API-server outage the node controller marks every
     * pod of a node not ready until their kubelet reports again); else none.
     */
    public List<DiscoveredEndpoint> effective() {
        List<DiscoveredEndpoint> ready = endpoints.stream().filter(DiscoveredEndpoint::inRotation).toList();
        if (!ready.isEmpty()) {
            return ready;
        }
        List<DiscoveredEndpoint> terminating = endpoints.stream().filter(DiscoveredEndpoint::servingWhileTerminating).toList();
        if (!terminating.isEmpty()) {
            return terminating;
        }
        return endpoints.stream().filter(DiscoveredEndpoint::notReadyButStaying).toList();
    }

    /** True when none is in rotation and {@link #effective()} falls back to endpoints the API calls not ready. */
    public boolean effectiveAreNotReady() {
        return endpoints.stream().noneMatch(DiscoveredEndpoint::inRotation) && !effective().isEmpty();
    }

    public long count(String condition) {
        return endpoints.stream().filter(e -> e.condition().equals(condition)).count();
    }

    public boolean isEmpty() {
        return endpoints.isEmpty();
    }
}
