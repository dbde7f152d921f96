package io.kubeforward.actuate;

import io.kubeforward.config.ForwardRule;
import io.kubeforward.forward.Forwarder;
import io.kubeforward.forward.Forwarding;
import io.kubeforward.upstream.Upstream;
import java.time.Instant;
import java.util.List;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/** {@code /actuator/upstreams}: every pool, per server block, with each upstream's state. */
@Endpoint(id = "upstreams")
public final class UpstreamsEndpoint {

    private final Forwarding forwarding;

    public UpstreamsEndpoint(Forwarding forwarding) {
        this.forwarding = forwarding;
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
     */
    public record PoolReport(String server, List<String> zones, String from, String source, String policy, int maxFails,
            int inFlight, List<UpstreamReport> upstreams) {
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
     * @param inFlight            queries in flight
     * @param queries             queries sent
     * @param errors              exchanges that failed
     * @param origin              where this upstream came from
     */
    public record UpstreamReport(String address, int port, String transport, boolean healthy, int consecutiveFailures,
            Instant lastProbe, boolean lastProbeOk, double lastProbeRttMillis, double rttMillis, int inFlight, long queries,
            long errors, String origin) {
    }

    @ReadOperation
    public Report upstreams() {
        return new Report(forwarding.entries().stream()
                .filter(e -> e.forwarder().isPresent())
                .map(e -> pool(e.server(), e.block().zones(), e.block().forward().orElseThrow(), e.forwarder().get()))
                .toList());
    }

    private static PoolReport pool(String server, List<String> zones, ForwardRule rule, Forwarder forwarder) {
        int maxFails = rule.options().maxFails();
        List<UpstreamReport> members = forwarder.pool().current().asList().stream().map(u -> upstream(u, maxFails)).toList();
        return new PoolReport(server, zones, rule.from(), rule.source().describe(), rule.options().policy().configName(), maxFails,
                forwarder.inFlight(), members);
    }

    private static UpstreamReport upstream(Upstream u, int maxFails) {
        return new UpstreamReport(u.address().address().getAddress().getHostAddress(), u.address().address().getPort(),
                u.address().transport().scheme(), !u.isDown(maxFails), u.consecutiveFailures(), u.lastProbe(),
                u.lastProbeSucceeded(), u.lastProbeRttNanos() < 0 ? -1 : u.lastProbeRttNanos() / 1e6, u.rttEwmaNanos() / 1e6,
                u.inFlight(), u.queries(), u.errors(), u.address().origin());
    }
}
