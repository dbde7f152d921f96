package io.kubeforward.discovery;

import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

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

    /** {@link #effective()}'s order of preference: the first that selects any endpoint wins. */
    private static final List<Predicate<DiscoveredEndpoint>> TIERS = List.of(DiscoveredEndpoint::inRotation,
            DiscoveredEndpoint::servingWhileTerminating, DiscoveredEndpoint::notReadyButStaying);

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
        for (Predicate<DiscoveredEndpoint> tier : TIERS) {
            List<DiscoveredEndpoint> chosen = endpoints.stream().filter(tier).toList();
            if (!chosen.isEmpty()) {
                return chosen;
            }
        }
        return List.of();
    }

    /** True when none is in rotation and {@link #effective()} falls back to endpoints the API calls not ready. */
    public boolean effectiveAreNotReady() {
        List<DiscoveredEndpoint> effective = effective();
        return !effective.isEmpty() && !effective.get(0).inRotation();
    }

    public long count(String condition) {
        return endpoints.stream().filter(e -> e.condition().equals(condition)).count();
    }

    public boolean isEmpty() {
        return endpoints.isEmpty();
    }
}
