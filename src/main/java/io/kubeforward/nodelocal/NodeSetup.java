package io.kubeforward.nodelocal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Node setup over the application's life: the interface before the listeners bind (they bind its IPs; where the
 * interface is new, the rule that keeps its IPs from refusing queries comes first), the NOTRACK rules once the
 * listeners serve, both re-checked every sync interval, the interface also repaired as soon
 * as the kernel reports it changed ({@link LinkMonitor}), and on shutdown, after the DNS server has drained, rules
 * then interface removed (unless {@code skip-teardown}).
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
    private final AtomicBoolean repairQueued = new AtomicBoolean();
    private final Counter interfaceErrors;
    private final Counter iptablesErrors;
    private volatile NotrackRules rules;
    private volatile LinkMonitor monitor;
    private volatile boolean running;

    public NodeSetup(NodeSetupProperties properties, MeterRegistry registry) {
        this(properties, new Commands(), registry);
    }

    NodeSetup(NodeSetupProperties properties, Commands commands, MeterRegistry registry) {
        this.properties = properties;
        this.commands = commands;
        this.link = new LocalInterface(commands, properties.interfaceName(), properties.localIps());
        // As node-cache's coredns_nodecache_setup_errors_total{errortype}: what an alert on a broken node setup needs.
        this.interfaceErrors = errors(registry, "interface");
        this.iptablesErrors = errors(registry, "iptables");
    }

    private static Counter errors(MeterRegistry registry, String type) {
        return Counter.builder("kubeforward.nodesetup.errors").description("Node setup checks or repairs that failed, by what failed")
                .tag("type", type).register(registry);
    }

    @Override
    public void start() {
        if (running) {
            return;
        }
        if (properties.setupInterface()) {
            if (properties.setupIptables() && !link.exists()) {
                quietBeforeTheInterface();
            }
            link.ensure();
            log.info("Interface {} holds {}", properties.interfaceName(), properties.localIps());
            Pattern mention = Pattern.compile("(^|[\\s:])" + Pattern.quote(properties.interfaceName()) + "([\\s:@]|$)");
            LinkMonitor watching = new LinkMonitor(line -> mention.matcher(line).find(), this::requestInterfaceRepair);
            watching.start();
            monitor = watching;
        }
        running = true;
    }

    /** The kernel reported a change of the interface: check it at once, on the sync thread, coalescing bursts. */
    private void requestInterfaceRepair() {
        if (repairQueued.compareAndSet(false, true)) {
            try {
                sync.execute(() -> {
                    repairQueued.set(false);
                    try {
                        if (link.ensure()) {
                            log.warn("Interface {} was deleted or changed by another process; repaired", properties.interfaceName());
                        }
                    } catch (RuntimeException e) {
                        interfaceErrors.increment();
                        log.error("Repairing interface {} failed: {}", properties.interfaceName(), e.getMessage());
                    }
                });
            } catch (RejectedExecutionException stopping) {
                repairQueued.set(false);
            }
        }
    }

    /**
     * A node without the interface (rebooted, or the first start): its IPs become local the moment the interface holds
     * them, and until the listeners bind a moment later the kernel would refuse each query there with an ICMP
     * port-unreachable, which a stub resolver's immediate retry meets too. With the rule that drops those errors in
     * place first, such a query times out and its retry, after the stub's timeout, is answered. Where the interface
     * stayed (a killed process), so did the rule, and nothing runs here on the way to the first answer.
     */
    private void quietBeforeTheInterface() {
        try {
            int added = notrackRules().ensureQuiet();
            log.info("ICMP port-unreachable from {} dropped before the interface is made ({} added)", properties.localIps(), added);
        } catch (RuntimeException e) {
            iptablesErrors.increment();
            throw e;
        }
    }

    /** The node's rules, with the backend detected once. */
    private NotrackRules notrackRules() {
        NotrackRules current = rules;
        if (current == null) {
            current = new NotrackRules(commands, IptablesBackend.detect(commands), properties.localIps(), properties.dnsPort(),
                    properties.healthPort());
            rules = current;
        }
        return current;
    }

    /** The listeners serve: now traffic may be steered past conntrack to them. */
    public void listenersServe() {
        if (properties.setupIptables()) {
            int added;
            try {
                added = notrackRules().ensure();
            } catch (RuntimeException e) {
                iptablesErrors.increment();
                throw e;
            }
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
        } catch (RuntimeException e) {
            interfaceErrors.increment();
            log.error("Node setup re-check failed: {}", e.getMessage());
        }
        try {
            NotrackRules current = rules;
            if (current != null) {
                int added = current.ensure();
                if (added > 0) {
                    log.warn("{} NOTRACK/ACCEPT rules were missing; added again", added);
                }
            }
        } catch (RuntimeException e) {
            iptablesErrors.increment();
            log.error("Node setup re-check failed: {}", e.getMessage());
        }
    }

    @Override
    public void stop() {
        // First, so that our own teardown is not "repaired".
        LinkMonitor watching = monitor;
        if (watching != null) {
            watching.close();
        }
        sync.shutdownNow();
        try {
            // A repair or re-check in progress finishes before the teardown starts.
            sync.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (properties.skipTeardown()) {
            log.info("skip-teardown: leaving interface {} and its rules in place", properties.interfaceName());
        } else {
            teardown();
        }
        running = false;
    }

    /**
     * Removes what nobody serves any more. Where another instance answers (a surge upgrade), its addresses and their rules
     * stay for it; the interface goes only when nobody answers on any of our addresses.
     */
    private void teardown() {
        List<String> localIps = properties.localIps();
        List<String> successor = new SuccessorProbe(Duration.ofMillis(500)).answeringAddresses(localIps, properties.dnsPort());
        NotrackRules current = rules;
        if (successor.isEmpty()) {
            if (current != null) {
                current.remove();
            }
            if (properties.setupInterface()) {
                link.remove();
            }
            log.info("Removed the NOTRACK rules and interface {}", properties.interfaceName());
            return;
        }
        List<String> unserved = localIps.stream().filter(ip -> !successor.contains(ip)).toList();
        if (current != null && !unserved.isEmpty()) {
            current.removeFor(unserved);
        }
        if (properties.setupInterface()) {
            unserved.forEach(link::removeAddress);
        }
        log.info("Another instance answers on {} port {} (an upgrade): leaving interface {} and the rules for those to it{}",
                successor, properties.dnsPort(), properties.interfaceName(),
                unserved.isEmpty() ? "" : "; removed " + unserved + ", which nobody serves now");
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
