package io.kubeforward.discovery;

import io.kubernetes.client.openapi.ApiClient;
import io.kubeforward.config.AddressFamily;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the EndpointSlices of one Service ({@link EndpointSliceListerWatcher}) and hands every change of the
 * merged endpoint set to {@code publisher}: never a partial set while the first list is being processed,
 * never an empty set because the API server went away (the slices are kept through outages), and nothing when
 * an event leaves the set as it was. Recomputations run on one thread of their own and coalesce, so a burst of
 * slice events yields one update; each reads only this Service's slices.
 */
public final class EndpointSliceWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EndpointSliceWatcher.class);
    private static final Duration SYNC_POLL = Duration.ofMillis(50);

    private final String service;
    private final EndpointSliceReader reader;
    private final Consumer<EndpointsUpdate> publisher;
    private final Optional<EndpointSnapshotStore> snapshots;
    private final WatchStatus status;
    private final EndpointSliceListerWatcher listerWatcher;
    private final ScheduledExecutorService executor;
    private final AtomicBoolean recomputeQueued = new AtomicBoolean();
    private volatile EndpointSet current = EndpointSet.EMPTY;
    private volatile boolean known;
    private volatile boolean synced;
    private String lastPortProblem = "";

    /** A new set for the pool, with what caused it. */
    public record EndpointsUpdate(EndpointSet previous, EndpointSet current, String cause) {
    }

    EndpointSliceWatcher(Supplier<ApiClient> client, String namespace, String serviceName, PortSelection port, AddressFamily family,
            Optional<EndpointSnapshotStore> snapshots, WatchStatus status, Consumer<EndpointsUpdate> publisher) {
        this.service = namespace + "/" + serviceName;
        this.reader = new EndpointSliceReader(port, family);
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.snapshots = snapshots;
        this.status = status;
        this.listerWatcher = new EndpointSliceListerWatcher(client, namespace, serviceName, status, this::requestRecompute);
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "endpointslices-" + serviceName);
            thread.setDaemon(true);
            return thread;
        });
    }

    public String service() {
        return service;
    }

    public WatchStatus status() {
        return status;
    }

    /** The last set handed to the pool (from the API or the snapshot). */
    public EndpointSet current() {
        return current;
    }

    /** Whether endpoints are known: listed at least once, or loaded from the snapshot. */
    public boolean isKnown() {
        return known;
    }

    /**
     * Hands the snapshot's set to the pool, if {@code snapshot} is configured and the file holds a set for this
     * Service: called before the listeners open and before {@link #start()}, so a start while the API server is
     * unreachable answers from its first query. The first successful list replaces it.
     *
     * @return whether a set was loaded
     */
    public boolean loadSnapshot() {
        Optional<EndpointSet> saved = snapshots.flatMap(EndpointSnapshotStore::load);
        saved.ifPresent(set -> {
            log.info("{}: serving the snapshot's {} endpoints until the first list of the EndpointSlices", service, set.endpoints().size());
            publish(set, "snapshot");
        });
        return saved.isPresent();
    }

    public void start() {
        listerWatcher.start();
        executor.execute(this::awaitFirstSync);
    }

    /** Whether the EndpointSlices have been listed at least once. */
    public boolean isSynced() {
        return synced;
    }

    private void awaitFirstSync() {
        if (listerWatcher.hasSynced()) {
            recompute();
            synced = true;
        } else {
            executor.schedule(this::awaitFirstSync, SYNC_POLL.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void requestRecompute() {
        if (recomputeQueued.compareAndSet(false, true)) {
            executor.execute(() -> {
                recomputeQueued.set(false);
                if (synced) {
                    recompute();
                }
            });
        }
    }

    private void recompute() {
        EndpointSet next;
        try {
            next = reader.read(listerWatcher.slices());
            lastPortProblem = "";
        } catch (PortSelection.AmbiguousPortException e) {
            if (!e.getMessage().equals(lastPortProblem)) {
                log.error("{}: {}", service, e.getMessage());
                lastPortProblem = e.getMessage();
            }
            return;
        }
        if (!known || !synced || !next.effective().equals(current.effective())) {
            publish(next, "watch");
        } else if (!next.equals(current)) {
            // Only endpoints out of rotation changed: nothing for the pool, but keep what we show and save true.
            current = next;
            snapshots.ifPresent(store -> store.save(next));
        }
    }

    private void publish(EndpointSet next, String cause) {
        EndpointSet previous = current;
        current = next;
        known = true;
        publisher.accept(new EndpointsUpdate(previous, next, cause));
        if (cause.equals("watch")) {
            snapshots.ifPresent(store -> store.save(next));
        }
    }

    /** Hands the current set to the pool again (e.g. once the node's zone is known), if any set is known. */
    void republish(String cause) {
        executor.execute(() -> {
            if (known) {
                publisher.accept(new EndpointsUpdate(current, current, cause));
            }
        });
    }

    ScheduledExecutorService executor() {
        return executor;
    }

    @Override
    public void close() {
        listerWatcher.close();
        executor.shutdownNow();
    }
}
