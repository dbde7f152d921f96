package io.kubeforward.scale;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rest of the cluster: {@code services} other Services with one slice of {@code endpoints} endpoints each, and a
 * steady trickle of changes to them ({@code perSecond} slice updates a second, one endpoint's readiness flipped),
 * running for the whole run. kubeforward's nodes never see these (other namespace, other label); kube-proxy-style
 * nodes receive every one.
 */
final class BackgroundChurn implements AutoCloseable {

    static final String NAMESPACE = "scale-apps";
    private static final Logger log = LoggerFactory.getLogger(BackgroundChurn.class);

    private final DiscoveryV1Api api;
    private final List<V1EndpointSlice> slices = new ArrayList<>();
    private final double perSecond;
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    BackgroundChurn(ApiClient admin, int services, int endpoints, double perSecond) throws ApiException {
        this.api = new DiscoveryV1Api(admin);
        this.perSecond = perSecond;
        new CoreV1Api(admin).createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(NAMESPACE))).execute();
        for (int s = 0; s < services; s++) {
            List<V1Endpoint> list = new ArrayList<>();
            for (int e = 0; e < endpoints; e++) {
                int n = s * endpoints + e;
                list.add(new V1Endpoint().addresses(List.of("198.19." + (n / 250) + "." + (n % 250 + 1)))
                        .conditions(new V1EndpointConditions().ready(true).serving(true).terminating(false))
                        .nodeName("node-" + n % 1000));
            }
            V1EndpointSlice slice = new V1EndpointSlice().apiVersion("discovery.k8s.io/v1").kind("EndpointSlice")
                    .metadata(new V1ObjectMeta().name("app-" + s + "-slice").namespace(NAMESPACE)
                            .labels(Map.of("kubernetes.io/service-name", "app-" + s)))
                    .addressType("IPv4").ports(List.of(new DiscoveryV1EndpointPort().name("http").port(8080).protocol("TCP")))
                    .endpoints(list);
            slices.add(api.createNamespacedEndpointSlice(NAMESPACE, slice).execute());
        }
        this.thread = new Thread(this::run, "background-churn");
        thread.setDaemon(true);
    }

    void start() {
        if (perSecond > 0 && !slices.isEmpty()) {
            thread.start();
        }
    }

    long writes() {
        return writes.get();
    }

    long failures() {
        return failures.get();
    }

    private void run() {
        long intervalNanos = (long) (1e9 / perSecond);
        long next = System.nanoTime();
        int i = 0;
        while (running) {
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
            } else if (wait < -5_000_000_000L) {
                next = System.nanoTime(); // the API server was away: do not catch up in a burst
            }
            int index = i++ % slices.size();
            V1EndpointSlice slice = slices.get(index);
            V1Endpoint endpoint = slice.getEndpoints().get((i / slices.size()) % slice.getEndpoints().size());
            endpoint.getConditions().ready(!Boolean.TRUE.equals(endpoint.getConditions().getReady()));
            try {
                slices.set(index, api.replaceNamespacedEndpointSlice(slice.getMetadata().getName(), NAMESPACE, slice).execute());
                writes.incrementAndGet();
            } catch (ApiException e) {
                failures.incrementAndGet(); // expected while the API server restarts
                refresh(index);
            } catch (RuntimeException e) {
                failures.incrementAndGet();
                log.debug("background write failed", e);
            }
        }
    }

    private void refresh(int index) {
        try {
            slices.set(index, api.readNamespacedEndpointSlice(slices.get(index).getMetadata().getName(), NAMESPACE).execute());
        } catch (ApiException | RuntimeException ignored) {
            // next round
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        if (thread.isAlive()) {
            thread.join(10_000);
        }
    }
}
