package io.kubeforward.metrics;

import io.kubeforward.dns.Rcodes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The meters of one server block's forward rule (see docs/metrics.md). Every counter the query path
 * touches is created here, ahead of time, so a query costs array look-ups and increments.
 */
public final class ForwardMetrics {

    private static final int RCODES = 16;

    private final Counter[][] requests;
    private final Counter[] responses = new Counter[RCODES + 1];
    private final Timer duration;
    private final Counter allUpstreamsDown;
    private final Counter maxConcurrentRejects;
    private final Counter noUpstreams;
    private final Counter answeredLocal;
    private final Counter answeredRemote;

    /**
     * @param server the server block, e.g. {@code dns://127.0.0.1:1053}
     * @param zone   the zone the rule serves, e.g. {@code cluster.local.}
     */
    public ForwardMetrics(MeterRegistry registry, String server, String zone) {
        Tags base = Tags.of("server", server, "zone", zone);
        String[] protos = {"udp", "tcp"};
        requests = new Counter[protos.length][QtypeNames.NAMES.length];
        for (int p = 0; p < protos.length; p++) {
            for (int q = 0; q < QtypeNames.NAMES.length; q++) {
                requests[p][q] = Counter.builder("kubeforward.dns.requests").description("Queries received")
                        .tags(base).tag("proto", protos[p]).tag("qtype", QtypeNames.NAMES[q]).register(registry);
            }
        }
        for (int r = 0; r <= RCODES; r++) {
            String name = r == RCODES ? "other" : Rcodes.name(r);
            responses[r] = Counter.builder("kubeforward.dns.responses").description("Responses sent, by rcode")
                    .tags(base).tag("rcode", name).register(registry);
        }
        duration = Timer.builder("kubeforward.dns.request.duration").description("Time from query received to answer sent")
                .tags(base).serviceLevelObjectives(LatencyBuckets.COREDNS).register(registry);
        allUpstreamsDown = Counter.builder("kubeforward.forward.healthcheck.broken")
                .description("Queries that found every upstream down").tags(base).register(registry);
        maxConcurrentRejects = Counter.builder("kubeforward.forward.max.concurrent.rejects")
                .description("Queries answered REFUSED because max_concurrent was reached").tags(base).register(registry);
        noUpstreams = Counter.builder("kubeforward.forward.no.upstreams")
                .description("Queries answered SERVFAIL because no upstream is known").tags(base).register(registry);
        answeredLocal = Counter.builder("kubeforward.forward.topology.answers").description(
                "With a zone preference: answers from an upstream in the node's zone (local) or another (remote)")
                .tags(base).tag("locality", "local").register(registry);
        answeredRemote = Counter.builder("kubeforward.forward.topology.answers").description(
                "With a zone preference: answers from an upstream in the node's zone (local) or another (remote)")
                .tags(base).tag("locality", "remote").register(registry);
    }

    public void answeredFrom(boolean local) {
        (local ? answeredLocal : answeredRemote).increment();
    }

    public void request(boolean tcp, int qtype) {
        requests[tcp ? 1 : 0][QtypeNames.index(qtype)].increment();
    }

    public void response(int rcode, long elapsedNanos) {
        responses[rcode >= 0 && rcode < RCODES ? rcode : RCODES].increment();
        duration.record(elapsedNanos, TimeUnit.NANOSECONDS);
    }

    public void allUpstreamsDown() {
        allUpstreamsDown.increment();
    }

    public void maxConcurrentReject() {
        maxConcurrentRejects.increment();
    }

    public void noUpstreams() {
        noUpstreams.increment();
    }
}
