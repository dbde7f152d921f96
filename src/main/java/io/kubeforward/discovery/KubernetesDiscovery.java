package io.kubeforward.discovery;

import io.kubeforward.config.ForwardRule;
import io.kubeforward.config.KubernetesServiceUpstreams;
import io.kubeforward.forward.Forwarding;
import io.kubernetes.client.openapi.ApiClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.LinkedHashMap;
import java.util.function.Supplier;
import org.springframework.context.ApplicationEventPublisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * One {@link EndpointSliceWatcher} per {@code kubeforward} rule, started with the application; each change
 * is published as an {@link EndpointsChangedEvent}. Without such rules it does nothing and needs no API
 * server.
 *
 * <p>It starts before the DNS listeners open, so that every pool it feeds already holds upstreams when the first
 * query arrives: the snapshot's endpoints where a snapshot is on disk, else the rule's {@code fallback}, else the
 * first list of the EndpointSlices, waited for up to {@code kubeforward.kubernetes.initial-sync-timeout}. A
 * second instance starting beside a running one (a surge upgrade sharing the port with SO_REUSEPORT) so never
 * takes its share of queries with nothing to send them to. When every pool has a snapshot or a fallback
 * ({@link #holdsUpstreamsWithoutApiServer()}), the watchers start only once the listeners serve
 * ({@link #listenersServe()}): their API client ({@link LazyApiClient}) is then made off the path to the first answer.
 */
public final class KubernetesDiscovery implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(KubernetesDiscovery.class);
    /** Before node setup ({@code DEFAULT_PHASE - 200}) and the DNS listeners ({@code DEFAULT_PHASE - 100}); stops after them. */
    static final int PHASE = DEFAULT_PHASE - 300;
    private static final Duration SYNC_POLL = Duration.ofMillis(10);

    private final Map<String, EndpointSliceWatcher> watchers = new LinkedHashMap<>();
    private final Map<String, Boolean> hasFallback = new LinkedHashMap<>();
    private final Duration initialSyncTimeout;
    private final Map<String, NodeZone> zones = new LinkedHashMap<>();
    private final List<Runnable> onStart = new ArrayList<>();
    private volatile boolean running;
    private boolean watchersStarted;
    /** The pools that have neither snapshot nor fallback, once the snapshots are loaded; null before. */
    private List<String> withoutUpstreams;

    KubernetesDiscovery(Forwarding forwarding, Supplier<LazyApiClient> clients, ApplicationEventPublisher events,
            MeterRegistry registry, DiscoveryProperties properties, Clock clock) {
        this.initialSyncTimeout = properties.initialSyncTimeout();
        LazyApiClient client = null;
        for (Forwarding.Entry entry : forwarding.entries()) {
            Optional<ForwardRule> rule = entry.block().forward();
            if (rule.isEmpty() || !(rule.get().source() instanceof KubernetesServiceUpstreams source) || entry.forwarder().isEmpty()) {
                continue;
            }
            if (client == null) {
                client = clients.get();
            }
            String pool = entry.forwarder().get().pool().name();
            String namespace = source.namespace().isEmpty() ? KubernetesClients.podNamespace() : source.namespace();
            String service = namespace + "/" + source.serviceName();
            PortSelection port = new PortSelection(source.portName(), source.port());
            String portKey = source.portName().isEmpty() ? source.port().isPresent() ? Integer.toString(source.port().getAsInt()) : "*"
                    : source.portName();
            Optional<EndpointSnapshotStore> snapshots = source.snapshot().map(path -> new EndpointSnapshotStore(path, service, portKey, clock));
            WatchStatus status = new WatchStatus(service, clock);
            EndpointSliceWatcher[] self = new EndpointSliceWatcher[1];
            DiscoveryMetrics[] metrics = new DiscoveryMetrics[1];
            EndpointSliceWatcher watcher = new EndpointSliceWatcher(client, namespace, source.serviceName(), port,
                    source.addressFamily(), snapshots, status, update -> {
                        events.publishEvent(new EndpointsChangedEvent(pool, service, update.previous(), update.current(), update.cause()));
                        metrics[0].applied();
                    });
            self[0] = watcher;
            metrics[0] = new DiscoveryMetrics(registry, service, status, () -> self[0].current());
            watchers.put(pool, watcher);
            hasFallback.put(pool, !source.fallback().isEmpty());
            NodeZone zone = new NodeZone(source.zonePreference());
            zones.put(pool, zone);
            Supplier<ApiClient> api = client;
            onStart.add(() -> zone.resolve(api, properties.effectiveNodeName(), properties.effectiveNodeZone(), watcher.executor(),
                    () -> watcher.republish("zone")));
        }
    }

    /** This node's zone for {@code pool}'s zone preference, once known. */
    public Optional<String> localZone(String pool) {
        return nodeZone(pool).flatMap(NodeZone::zone);
    }

    /** This node's zone as known for {@code pool}'s zone preference (empty: no preference, or not known yet). */
    Optional<NodeZone> nodeZone(String pool) {
        return Optional.ofNullable(zones.get(pool));
    }

    /** The watcher feeding {@code pool}, if it is fed from Kubernetes. */
    public Optional<EndpointSliceWatcher> watcher(String pool) {
        return Optional.ofNullable(watchers.get(pool));
    }

    public List<EndpointSliceWatcher> watchers() {
        return new ArrayList<>(watchers.values());
    }

    /**
     * Loads the snapshots (once) and tells whether every pool it feeds then holds upstreams without the API server: its
     * snapshot's endpoints or its fallback. True without {@code kubeforward} rules. When true, {@link #start()} does not
     * block and the listeners may open at once.
     */
    public boolean holdsUpstreamsWithoutApiServer() {
        return loadSnapshots().isEmpty();
    }

    private synchronized List<String> loadSnapshots() {
        if (withoutUpstreams == null) {
            List<String> pools = new ArrayList<>();
            watchers.forEach((pool, watcher) -> {
                if (!watcher.loadSnapshot() && !hasFallback.get(pool)) {
                    pools.add(pool);
                }
            });
            withoutUpstreams = List.copyOf(pools);
        }
        return withoutUpstreams;
    }

    @Override
    public void start() {
        if (running) {
            return;
        }
        List<String> waitFor = loadSnapshots();
        running = true;
        if (waitFor.isEmpty()) {
            // Every pool has upstreams (snapshot or fallback): the watchers, and client-java with them, start once the
            // listeners serve, so that making the API client does not delay the first answer.
            return;
        }
        startWatchers();
        awaitFirstLists(waitFor);
    }

    /** The listeners serve: the watchers start now if {@link #start()} left them for later. */
    public void listenersServe() {
        if (running) {
            startWatchers();
        }
    }

    private synchronized void startWatchers() {
        if (watchersStarted) {
            return;
        }
        watchersStarted = true;
        watchers.values().forEach(EndpointSliceWatcher::start);
        onStart.forEach(Runnable::run);
    }

    /**
     * Blocks (the listeners wait) until the pools without snapshot or fallback have their first list, the API server
     * has answered their list with an error (refused, forbidden: waiting longer would not help), or the timeout.
     */
    private void awaitFirstLists(List<String> pools) {
        long deadline = System.nanoTime() + initialSyncTimeout.toNanos();
        for (String pool : pools) {
            EndpointSliceWatcher watcher = watchers.get(pool);
            while (!watcher.isKnown() && watcher.status().errors() == 0 && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(SYNC_POLL);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (!watcher.isKnown()) {
                log.warn("{}: EndpointSlices not listed ({}) and no snapshot or fallback: opening the listeners; its zones "
                        + "answer SERVFAIL until they are", watcher.service(), watcher.status().errors() > 0
                                ? "the API server answered " + watcher.status().lastError() : "within " + initialSyncTimeout);
            }
        }
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    @Override
    public void stop() {
        watchers.values().forEach(EndpointSliceWatcher::close);
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
