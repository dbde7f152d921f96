package io.kubeforward.discovery;

import io.kubeforward.config.AddressFamily;
import io.kubeforward.scale.SimulatedNode;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Clock;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * A simulated node running kubeforward's own discovery, as {@link KubernetesDiscovery} builds it for one
 * {@code kubeforward} rule: its client prepared by {@link KubernetesClients#forWatching}, an {@link EndpointSliceWatcher}
 * on the Service's slices (one namespace, label selector), snapshot off. "Applied" is the moment the watcher hands a new
 * set to the pool.
 */
public final class KubeforwardNode implements SimulatedNode {

    private final EndpointSliceWatcher watcher;

    public KubeforwardNode(int node, ApiClient client, String namespace, String service, Applied applied) {
        ApiClient watching = KubernetesClients.forWatching(client);
        WatchStatus status = new WatchStatus(namespace + "/" + service, Clock.systemUTC());
        this.watcher = new EndpointSliceWatcher(() -> watching, namespace, service, new PortSelection("dns", OptionalInt.empty()),
                AddressFamily.ANY, Optional.empty(), status,
                update -> applied.applied(node, key(update.current()), System.nanoTime()));
    }

    /** The endpoints in rotation as {@code host:port,host:port} (the set is sorted). */
    static String key(EndpointSet set) {
        return set.effective().stream().map(DiscoveredEndpoint::hostPort).collect(Collectors.joining(","));
    }

    @Override
    public void start() {
        watcher.start();
    }

    @Override
    public boolean synced() {
        return watcher.isSynced();
    }

    @Override
    public void close() {
        watcher.close();
    }
}
