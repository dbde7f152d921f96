package io.kubeforward.actuate;

import io.kubeforward.forward.Forwarding;
import io.kubeforward.server.DnsServer;
import java.util.List;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Ready when every listener is bound and every forwarding block knows at least one upstream; the
 * readiness group includes it, so a node's traffic is only sent to an instance that can answer.
 */
public final class DnsReadinessIndicator implements HealthIndicator {

    private final DnsServer server;
    private final Forwarding forwarding;

    public DnsReadinessIndicator(DnsServer server, Forwarding forwarding) {
        this.server = server;
        this.forwarding = forwarding;
    }

    @Override
    public Health health() {
        if (!server.isServing()) {
            return Health.outOfService().withDetail("listeners", "not bound").build();
        }
        List<String> empty = forwarding.entries().stream()
                .filter(e -> e.forwarder().isPresent() && e.forwarder().get().pool().current().isEmpty())
                .map(e -> e.forwarder().get().pool().name())
                .toList();
        Health.Builder health = empty.isEmpty() ? Health.up() : Health.outOfService().withDetail("noUpstreams", empty);
        return health.withDetail("listeners", server.listeners().stream().map(l -> l.address().toString()).toList()).build();
    }
}
