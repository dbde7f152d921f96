package io.kubeforward;

import io.kubeforward.discovery.KubernetesDiscovery;
import io.kubeforward.nodelocal.NodeSetup;
import io.kubeforward.server.DnsServerLifecycle;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;

/**
 * Opens the DNS listeners as early as they can answer: when the pools already hold upstreams without the API server
 * (static upstreams, a snapshot on disk, a fallback), at this bean's creation, right after the beans of the DNS path
 * and before the rest of the context (metrics binders, health, the actuator's HTTP server) is created; otherwise in
 * the context's lifecycle as before (discovery waits for the first list there). The order is the lifecycle's:
 * discovery, node setup's interface, the listeners; then, in {@link #start()} once the context is refreshed, node
 * setup's NOTRACK rules and the watchers that waited for the listeners. Readiness is unchanged: it still needs the
 * application ready and the actuator's handler. On shutdown each part stops in its own lifecycle phase; if the
 * context fails after the listeners opened (the management port taken, say), {@link #destroy()} closes them at once
 * and undoes the node setup.
 */
final class DnsStartup implements SmartLifecycle, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(DnsStartup.class);

    private final KubernetesDiscovery discovery;
    private final Optional<NodeSetup> nodeSetup;
    private final DnsServerLifecycle dns;
    private volatile boolean running;

    DnsStartup(KubernetesDiscovery discovery, Optional<NodeSetup> nodeSetup, DnsServerLifecycle dns) {
        this.discovery = discovery;
        this.nodeSetup = nodeSetup;
        this.dns = dns;
    }

    /** At creation: opens the listeners now if nothing needs the API server first. */
    void openEarly() {
        if (!discovery.holdsUpstreamsWithoutApiServer()) {
            return;
        }
        try {
            discovery.start();
            nodeSetup.ifPresent(NodeSetup::start);
            dns.start();
            log.debug("DNS listeners opened before the rest of the context");
        } catch (RuntimeException e) {
            undo();
            throw e;
        }
    }

    /** The context is refreshed and every earlier phase started: what waits for serving listeners starts now. */
    @Override
    public void start() {
        nodeSetup.ifPresent(NodeSetup::listenersServe);
        discovery.listenersServe();
        running = true;
    }

    /** Right after the listeners' phase: starts once they serve, stops before they close. */
    @Override
    public int getPhase() {
        return DnsServerLifecycle.PHASE + 1;
    }

    @Override
    public void stop() {
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** After a normal stop nothing is running any more; after a failed start, what {@link #openEarly()} started. */
    @Override
    public void destroy() {
        undo();
    }

    private void undo() {
        if (dns.isRunning()) {
            dns.closeNow();
        }
        nodeSetup.filter(NodeSetup::isRunning).ifPresent(NodeSetup::stop);
        if (discovery.isRunning()) {
            discovery.stop();
        }
    }
}
