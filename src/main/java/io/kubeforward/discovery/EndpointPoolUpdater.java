package io.kubeforward.discovery;

import io.kubeforward.config.ForwardRule;
import io.kubeforward.config.KubernetesServiceUpstreams;
import io.kubeforward.config.Transport;
import io.kubeforward.config.UpstreamAddress;
import io.kubeforward.forward.Forwarding;
import io.kubeforward.upstream.UpstreamPool;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationListener;
import org.springframework.context.PayloadApplicationEvent;

/**
 * Applies {@link EndpointsChangedEvent}s to the upstream pools: the effective endpoints, or the rule's
 * {@code fallback} upstreams while there are none. The pool keeps the state of upstreams that stay. An
 * {@link ApplicationListener} rather than an {@code @EventListener} method: those are registered only once every
 * singleton exists, and the snapshot's endpoints are published while the context is still being created
 * ({@code DnsStartup} opens the listeners then).
 */
public final class EndpointPoolUpdater implements ApplicationListener<PayloadApplicationEvent<EndpointsChangedEvent>> {

    private static final Logger log = LoggerFactory.getLogger(EndpointPoolUpdater.class);

    private record Target(UpstreamPool pool, KubernetesServiceUpstreams source, Transport transport, String serverName) {
    }

    private final Map<String, Target> targets = new LinkedHashMap<>();
    private final KubernetesDiscovery discovery;

    public EndpointPoolUpdater(Forwarding forwarding, KubernetesDiscovery discovery) {
        this.discovery = discovery;
        for (Forwarding.Entry entry : forwarding.entries()) {
            if (entry.forwarder().isPresent() && entry.block().forward().map(ForwardRule::source).orElse(null)
                    instanceof KubernetesServiceUpstreams source) {
                ForwardRule rule = entry.block().forward().get();
                Transport transport = rule.options().tls().isPresent() ? Transport.TLS : Transport.DNS;
                UpstreamPool pool = entry.forwarder().get().pool();
                targets.put(pool.name(), new Target(pool, source, transport, rule.options().tlsServerName()));
            }
        }
    }

    @Override
    public void onApplicationEvent(PayloadApplicationEvent<EndpointsChangedEvent> event) {
        apply(event.getPayload());
    }

    void apply(EndpointsChangedEvent event) {
        Target target = targets.get(event.pool());
        if (target == null) {
            return;
        }
        List<DiscoveredEndpoint> effective = event.current().effective();
        Map<UpstreamAddress, DiscoveredEndpoint> discovered = new LinkedHashMap<>();
        for (DiscoveredEndpoint e : effective) {
            discovered.put(new UpstreamAddress(target.transport(), new InetSocketAddress(e.address(), e.port()), target.serverName(),
                    "endpointslice:" + e.slice()), e);
        }
        List<UpstreamAddress> upstreams = effective.isEmpty() ? target.source().fallback() : List.copyOf(discovered.keySet());
        if (event.current().effectiveAreNotReady()) {
            log.warn("{}: no endpoint is ready ({} known, from {}); forwarding to {} that are not ready, as their health checks allow",
                    event.service(), event.current().endpoints().size(), event.cause(),
                    effective.stream().map(e -> e.hostPort() + " (" + e.condition() + ")").toList());
        }
        if (effective.isEmpty()) {
            log.warn("{}: no usable endpoint ({} known, from {}); {}", event.service(), event.current().endpoints().size(),
                    event.cause(), upstreams.isEmpty() ? "answering SERVFAIL" : "using fallback " + upstreams);
        }
        java.util.Optional<NodeZone> zone = discovery.nodeZone(event.pool());
        target.pool().apply(upstreams, address -> zone.isPresent() && discovered.containsKey(address)
                && zone.get().isLocal(discovered.get(address)));
    }
}
