package io.kubeforward.discovery;

import com.google.gson.reflect.TypeToken;
import io.kubeforward.config.AddressFamily;
import io.kubeforward.scale.SimulatedNode;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Watchable;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The yardstick: a simulated node that watches every EndpointSlice of the cluster, as kube-proxy does on every node
 * (client-java's informer standing in for client-go's: list from the watch cache, watch with bookmarks). It reads the
 * kube-dns slices out of its cache with the same reader as kubeforward, so "applied" means the same thing: the moment
 * its informer delivered the change (kube-proxy would add its own sync delay, at least its 1 s min-sync-period).
 */
public final class KubeProxyStyleNode implements SimulatedNode {

    private final SharedInformerFactory factory;
    private final SharedIndexInformer<V1EndpointSlice> informer;
    private final EndpointSliceReader reader = new EndpointSliceReader(new PortSelection("dns", OptionalInt.empty()), AddressFamily.ANY);
    private final int node;
    private final String namespace;
    private final String service;
    private final Applied applied;
    private String last = "";

    public KubeProxyStyleNode(int node, ApiClient client, String namespace, String service, Applied applied) {
        ApiClient watching = KubernetesClients.forWatching(client);
        this.node = node;
        this.namespace = namespace;
        this.service = service;
        this.applied = applied;
        this.factory = new SharedInformerFactory(watching);
        this.informer = factory.sharedIndexInformerFor(new AllSlices(watching), V1EndpointSlice.class, 0L);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(V1EndpointSlice slice) {
                changed(slice);
            }

            @Override
            public void onUpdate(V1EndpointSlice before, V1EndpointSlice after) {
                changed(after);
            }

            @Override
            public void onDelete(V1EndpointSlice slice, boolean finalStateUnknown) {
                changed(slice);
            }
        });
    }

    private synchronized void changed(V1EndpointSlice slice) {
        if (slice.getMetadata() == null || !namespace.equals(slice.getMetadata().getNamespace())
                || !service.equals(labels(slice).get(EndpointSliceListerWatcher.SERVICE_NAME_LABEL))) {
            return; // another Service: kube-proxy would program its rules; the harness only follows kube-dns
        }
        List<V1EndpointSlice> ours = informer.getIndexer().list().stream()
                .filter(s -> s.getMetadata() != null && namespace.equals(s.getMetadata().getNamespace())
                        && service.equals(labels(s).get(EndpointSliceListerWatcher.SERVICE_NAME_LABEL)))
                .toList();
        try {
            String key = KubeforwardNode.key(reader.read(ours));
            if (!key.equals(last)) {
                last = key;
                applied.applied(node, key, System.nanoTime());
            }
        } catch (PortSelection.AmbiguousPortException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> labels(V1EndpointSlice slice) {
        return Objects.requireNonNullElse(slice.getMetadata().getLabels(), Map.of());
    }

    @Override
    public void start() {
        factory.startAllRegisteredInformers();
    }

    @Override
    public boolean synced() {
        return informer.hasSynced();
    }

    @Override
    public void close() {
        factory.stopAllRegisteredInformers(true);
    }

    /** Every EndpointSlice of the cluster, bookmarks on. */
    private record AllSlices(ApiClient client) implements ListerWatcher<V1EndpointSlice, V1EndpointSliceList> {
        @Override
        public V1EndpointSliceList list(CallGeneratorParams params) throws ApiException {
            return new DiscoveryV1Api(client).listEndpointSliceForAllNamespaces().resourceVersion(params.resourceVersion)
                    .timeoutSeconds(params.timeoutSeconds).execute();
        }

        @Override
        public Watchable<V1EndpointSlice> watch(CallGeneratorParams params) throws ApiException {
            return Watch.createWatch(client, new DiscoveryV1Api(client).listEndpointSliceForAllNamespaces()
                            .resourceVersion(params.resourceVersion).watch(true).allowWatchBookmarks(true)
                            .timeoutSeconds(params.timeoutSeconds).buildCall(null),
                    new TypeToken<Watch.Response<V1EndpointSlice>>() { }.getType());
        }
    }
}
