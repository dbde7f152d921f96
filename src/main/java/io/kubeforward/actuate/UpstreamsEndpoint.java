package io.kubeforward.actuate;

import io.kubeforward.config.ForwardRule;
import io.kubeforward.forward.Forwarder;
import io.kubeforward.forward.Forwarding;
import io.kubeforward.upstream.Upstream;
import java.time.Instant;
import io.kubeforward.discovery.DiscoveredEndpoint;
import io.kubeforward.discovery.EndpointSliceWatcher;
import io.kubeforward.discovery.KubernetesDiscovery;
import io.kubeforward.discovery.WatchStatus;
import java.util.List;
import java.util.Optional;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/** {@code /actuator/upstreams}: every pool, per server block, with each upstream's state. */
@Endpoint(id = "upstreams")
public final class UpstreamsEndpoint {

    private final Forwarding forwarding;
    private final KubernetesDiscovery discovery;

    public UpstreamsEndpoint(Forwarding forwarding, KubernetesDiscovery discovery) {
        this.forwarding = forwarding;
        this.discovery = discovery;
    }

    /** The whole report. */
    public record Report(List<PoolReport> pools) {
    }

    /**
     * One server block's pool.
     *
     * @param server    first listening address of the block
     * @param zones     zones of the block
     * @param from      the rule's base domain
     * @param source    where the upstreams come from
     * @param policy    selection policy
     * @param maxFails  failures before an upstream is down
     * @param inFlight  queries of this block in flight
     * @param upstreams the members, in pool order
     * @param discovery the Service watch, for a pool fed from Kubernetes
     * @param localZone with a zone preference, this node's zone once known; else empty
     */
    public record PoolReport(String server, List<String> zones, String from, String source, String policy, int maxFails,
            int inFlight, List<UpstreamReport> upstreams, Optional<DiscoveryReport> discovery, String localZone) {
    }

    /**
     * The watch of a Service's EndpointSlices.
     *
     * @param service   {@code namespace/name}
     * @param state     STARTING, WATCHING or DISCONNECTED
     * @param lastSync  the last successful list
     * @param errors    failed API calls so far
     * @param lastError the last failure
     * @param endpoints every endpoint address with its conditions, in rotation or not
     */
    public record DiscoveryReport(String service, String state, Instant lastSync, long errors, String lastError,
            List<EndpointReport> endpoints) {
    }

    /**
     * One endpoint address of the Service.
     *
     * @param address   {@code host:port}
     * @param condition ready, serving-terminating or not-ready
     * @param zone      the endpoint's topology zone
     * @param node      the endpoint's node
     * @param slice     the EndpointSlice it came from
     * @param hints     zones it is hinted for
     */
    public record EndpointReport(String address, String condition, String zone, String node, String slice, List<String> hints) {
    }

    /**
     * One upstream.
     *
     * @param address             IP address
     * @param port                port
     * @param transport           {@code dns} or {@code tls}
     * @param healthy             not marked down
     * @param consecutiveFailures failed health checks in a row
     * @param lastProbe           when the last health check ended, if any
     * @param lastProbeOk         whether it succeeded
     * @param lastProbeRttMillis  its round-trip time, or -1
     * @param rttMillis           smoothed round-trip time of queries
     * @param srttMillis          smoothed round-trip time of answered UDP exchanges and probes (RFC 6298), or -1
     * @param rttvarMillis        its variation, or -1
     * @param attemptTimeoutMillis how long a UDP attempt waits for this upstream now: srtt + max(100 ms,
     *                            4 × rttvar), at most {@code read_timeout}
     * @param inFlight            queries in flight
     * @param queries             queries sent
     * @param errors              exchanges that failed
     * @param origin              where this upstream came from ({@code static}, {@code resolv.conf:PATH},
     *                            {@code fallback}, {@code endpointslice:SLICE})
     * @param condition           for a discovered endpoint: ready or serving-terminating; else empty
     * @param zone                for a discovered endpoint: its topology zone; else empty
     * @param node                for a discovered endpoint: its node; else empty
     * @param local               with a zone preference: in (or hinted for) this node's zone, so tried first
     */
    public record UpstreamReport(String address, int port, String transport, boolean healthy, int consecutiveFailures,
            Instant lastProbe, boolean lastProbeOk, double lastProbeRttMillis, double rttMillis, double srttMillis,
            double rttvarMillis, double attemptTimeoutMillis, int inFlight, long queries,
            long errors, String origin, String condition, String zone, String node, boolean local) {
    }

    @ReadOperation
    public Report upstreams() {
        return new Report(forwarding.entries().stream()
                .filter(e -> e.forwarder().isPresent())
                .map(e -> pool(e.server(), e.block().zones(), e.block().forward().orElseThrow(), e.forwarder().get()))
                .toList());
    }

    private PoolReport pool(String server, List<String> zones, ForwardRule rule, Forwarder forwarder) {
        int maxFails = rule.options().maxFails();
        java.util.Map<String, DiscoveredEndpoint> endpoints = discovery.watcher(forwarder.pool().name())
                .map(w -> w.current().endpoints().stream().collect(java.util.stream.Collectors.toMap(DiscoveredEndpoint::hostPort,
                        e -> e, (a, b) -> a)))
                .orElse(java.util.Map.of());
        io.kubeforward.upstream.UpstreamSet set = forwarder.pool().current();
        List<UpstreamReport> members = set.asList().stream()
                .map(u -> upstream(u, rule.options(), Optional.ofNullable(endpoints.get(u.address().hostPort())), set.isPreferred(u)))
                .toList();
        Optional<DiscoveryReport> watch = discovery.watcher(forwarder.pool().name()).map(UpstreamsEndpoint::discovery);
        return new PoolReport(server, zones, rule.from(), rule.source().describe(), rule.options().policy().configName(), maxFails,
                forwarder.inFlight(), members, watch, discovery.localZone(forwarder.pool().name()).orElse(""));
    }

    private static double millis(long nanos) {
        return nanos < 0 ? -1 : nanos / 1e6;
    }

    private static DiscoveryReport discovery(EndpointSliceWatcher watcher) {
        WatchStatus status = watcher.status();
        List<EndpointReport> endpoints = watcher.current().endpoints().stream().map(e -> new EndpointReport(e.hostPort(),
                e.condition(), e.topologyZone(), e.nodeName(), e.slice(), e.hintedZones())).toList();
        return new DiscoveryReport(status.service(), status.state().name(), status.lastSync().orElse(null), status.errors(),
                status.lastError(), endpoints);
    }

    private static UpstreamReport upstream(Upstream u, io.kubeforward.config.ForwardOptions options, Optional<DiscoveredEndpoint> endpoint,
            boolean local) {
        return new UpstreamReport(io.kubeforward.config.IpText.format(u.address().address().getAddress()), u.address().address().getPort(),
                u.address().transport().scheme(), !u.isDown(options.maxFails()), u.consecutiveFailures(), u.lastProbe(),
                u.lastProbeSucceeded(), u.lastProbeRttNanos() < 0 ? -1 : u.lastProbeRttNanos() / 1e6, u.rttEwmaNanos() / 1e6,
                millis(u.srttNanos(options.forceTcp())), millis(u.rttvarNanos(options.forceTcp())), u.attemptTimeoutNanos(options.forceTcp(), options.readTimeout().toNanos()) / 1e6,
                u.inFlight(), u.queries(), u.errors(), u.address().origin(), endpoint.map(DiscoveredEndpoint::condition).orElse(""),
                endpoint.map(DiscoveredEndpoint::topologyZone).orElse(""), endpoint.map(DiscoveredEndpoint::nodeName).orElse(""), local);
    }
}
