package io.kubeforward.nodelocal;

import io.kubeforward.server.ListenersReadyEvent;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;

/**
 * Node setup over the application's life: the interface before the listeners bind (they bind its IPs), the
 * NOTRACK rules once the listeners serve, both re-checked every sync interval, and on shutdown, after the
 * DNS server has drained, rules then interface removed (unless {@code skip-teardown}).
 */
public final class NodeSetup implements SmartLifecycle {

    /** Starts before the DNS listeners (which start at {@code DEFAULT_PHASE - 100}), stops after them. */
    static final int PHASE = DEFAULT_PHASE - 200;
    private static final Logger log = LoggerFactory.getLogger(NodeSetup.class);

    private final NodeSetupProperties properties;
    private final LocalInterface link;
    private final Commands commands;
    private final ScheduledExecutorService sync = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "node-setup");
        thread.setDaemon(true);
        return thread;
    });
    private volatile NotrackRules rules;
    private volatile boolean running;

    public NodeSetup(NodeSetupProperties properties) {
        this(properties, new Commands());
    }

    NodeSetup(NodeSetupProperties properties, Commands commands) {
        this.properties = properties;
        this.commands = commands;
        this.link = new LocalInterface(commands, properties.interfaceName(), properties.localIps());
    }

    @Override
    public void start() {
        if (properties.setupInterface()) {
            link.ensure();
            log.info("Interface {} holds {}", properties.interfaceName(), properties.localIps());
        }
        running = true;
    }

    /** The listeners serve: now traffic may be steered past conntrack to them. */
    @EventListener
    public void listenersReady(ListenersReadyEvent event) {
        if (properties.setupIptables()) {
            rules = new NotrackRules(commands, IptablesBackend.detect(commands), properties.localIps(), properties.dnsPort(),
                    properties.healthPort());
            int added = rules.ensure();
            log.info("NOTRACK/ACCEPT rules for {} in place ({} added)", properties.localIps(), added);
        }
        long interval = properties.syncInterval().toMillis();
        sync.scheduleWithFixedDelay(this::recheck, interval, interval, TimeUnit.MILLISECONDS);
    }

    private void recheck() {
        try {
            if (properties.setupInterface() && link.ensure()) {
                log.warn("Interface {} was missing or incomplete; repaired", properties.interfaceName());
            }
            NotrackRules current = rules;
            if (current != null) {
                int added = current.ensure();
                if (added > 0) {
                    log.warn("{} NOTRACK/ACCEPT rules were missing; added again", added);
                }
            }
        } catch (RuntimeException e) {
            log.error("Node setup re-check failed: {}", e.getMessage());
        }
    }

    @Override
    public void stop() {
        sync.shutdownNow();
        java.util.Optional<String> successor = properties.skipTeardown() ? java.util.Optional.empty()
                : new SuccessorProbe(java.time.Duration.ofMillis(500)).answeringAddress(properties.localIps(), properties.dnsPort());
        if (properties.skipTeardown()) {
            log.info("skip-teardown: leaving interface {} and its rules in place", properties.interfaceName());
        } else if (successor.isPresent()) {
            log.info("Another instance answers on {}:{} (an upgrade): leaving interface {} and its rules to it", successor.get(),
                    properties.dnsPort(), properties.interfaceName());
        } else {
            NotrackRules current = rules;
            if (current != null) {
                current.remove();
            }
            if (properties.setupInterface()) {
                link.remove();
            }
            log.info("Removed the NOTRACK rules and interface {}", properties.interfaceName());
        }
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
