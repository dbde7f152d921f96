package io.kubeforward.discovery;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * One address of one endpoint of a Service, as its EndpointSlice describes it.
 *
 * @param address      the IP address
 * @param port         the selected port
 * @param ready        {@code conditions.ready} (absent counts as true)
 * @param serving      {@code conditions.serving} (absent: same as ready)
 * @param terminating  {@code conditions.terminating} (absent counts as false)
 * @param topologyZone the endpoint's {@code zone}, or empty
 * @param nodeName     the endpoint's {@code nodeName}, or empty
 * @param slice        the EndpointSlice it came from
 * @param hintedZones  {@code hints.forZones}, empty when there are none
 */
public record DiscoveredEndpoint(InetAddress address, int port, boolean ready, boolean serving, boolean terminating,
        String topologyZone, String nodeName, String slice, List<String> hintedZones) {

    public DiscoveredEndpoint {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(topologyZone, "topologyZone");
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(slice, "slice");
        hintedZones = List.copyOf(hintedZones);
    }

    /** In rotation: ready (or readiness unknown). */
    public boolean inRotation() {
        return ready;
    }

    /** Used only while nothing is in rotation: still serving while it terminates. */
    public boolean servingWhileTerminating() {
        return !ready && serving && terminating;
    }

    /**
     * Used only while nothing is in rotation or serving while it terminates: a pod the API calls not ready that is not
     * going away (its readiness probe failing, or the node controller marking every pod of a node whose heartbeat is
     * late, as after an API-server outage). Health checks decide whether it answers.
     */
    public boolean notReadyButStaying() {
        return !ready && !terminating;
    }

    /** {@code host:port}, IPv6 in brackets. */
    public String hostPort() {
        return io.kubeforward.config.IpText.hostPort(address, port);
    }

    /** Short condition summary for logs and the actuator: ready, serving-terminating or not-ready. */
    public String condition() {
        return inRotation() ? "ready" : servingWhileTerminating() ? "serving-terminating" : "not-ready";
    }
}
