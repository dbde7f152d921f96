package io.kubeforward.discovery;

import io.kubernetes.client.openapi.ApiClient;
import java.util.function.Supplier;

/**
 * The watchers' API client, made when a watcher first needs it, on that watcher's thread. Making client-java's
 * {@link ApiClient} loads its JSON layer (a type adapter for each of ~1,400 models: ~700 classes, 0.55 s of a start
 * measured here), which answering from a snapshot or a {@code fallback} does not need; {@link KubernetesDiscovery}
 * so starts its watchers after the listeners serve when it can.
 */
final class LazyApiClient implements Supplier<ApiClient> {

    private final Supplier<ApiClient> make;
    private ApiClient client;

    LazyApiClient(Supplier<ApiClient> make) {
        this.make = make;
    }

    /** The client, made (and prepared for watching) by the first call; a call after a failure tries again. */
    @Override
    public synchronized ApiClient get() {
        if (client == null) {
            client = KubernetesClients.forWatching(make.get());
        }
        return client;
    }
}
