package io.kubeforward.testcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1ServiceSpec;
import io.kubernetes.client.util.Watch;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster tier works end to end: objects go in and come back, an informer sees updates and resumes after the
 * API server is SIGKILLed and restarted, and a raw watch shows why it has to relist to do so.
 */
@RealKubernetesCluster
class KubernetesClusterSmokeTest {

    private static final String SERVICE = "upstream-dns";
    private static final String SELECTOR = "kubernetes.io/service-name=" + SERVICE;
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(30);

    private final KubernetesCluster cluster;
    private final CoreV1Api core;
    private final DiscoveryV1Api discovery;
    private final String namespace = "smoke-" + UUID.randomUUID().toString().substring(0, 8);
    private final SharedInformerFactory informers;

    KubernetesClusterSmokeTest(KubernetesCluster cluster, ApiClient client) {
        this.cluster = cluster;
        this.core = new CoreV1Api(client);
        this.discovery = new DiscoveryV1Api(client);
        this.informers = new SharedInformerFactory(client);
    }

    @BeforeEach
    void createServiceWithTwoSlices() throws ApiException {
        core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(namespace))).execute();
        core.createNamespacedService(namespace, new V1Service()
                .metadata(new V1ObjectMeta().name(SERVICE))
                .spec(new V1ServiceSpec().ports(List.of(
                        new V1ServicePort().name("dns").port(53).protocol("UDP"),
                        new V1ServicePort().name("dns-tcp").port(53).protocol("TCP")))))
                .execute();
        discovery.createNamespacedEndpointSlice(namespace, slice("upstream-dns-a", "198.18.0.10", "198.18.0.11")).execute();
        discovery.createNamespacedEndpointSlice(namespace, slice("upstream-dns-b", "198.18.0.12")).execute();
    }

    @AfterEach
    void stopInformers() {
        informers.stopAllRegisteredInformers();
    }

    @Test
    void listsBackTheSlicesOfTheService() throws ApiException {
        V1EndpointSliceList slices = discovery.listNamespacedEndpointSlice(namespace).labelSelector(SELECTOR).execute();

        assertThat(slices.getItems())
                .extracting(slice -> slice.getMetadata().getName())
                .containsExactlyInAnyOrder("upstream-dns-a", "upstream-dns-b");
        assertThat(slices.getItems())
                .flatExtracting(KubernetesClusterSmokeTest::addresses)
                .containsExactlyInAnyOrder("198.18.0.10", "198.18.0.11", "198.18.0.12");
        assertThat(core.readNamespacedService(SERVICE, namespace).execute().getSpec().getClusterIP())
                .as("a ClusterIP allocated from --service-cluster-ip-range")
                .startsWith("10.0.0.");
    }

    @Test
    void informerSeesUpdatesBeforeAndAfterTheApiServerIsKilled() throws ApiException {
        List<V1EndpointSlice> updates = new CopyOnWriteArrayList<>();
        SharedIndexInformer<V1EndpointSlice> informer = endpointSliceInformer(updates);
        informers.startAllRegisteredInformers();
        await().atMost(EVENT_TIMEOUT).until(informer::hasSynced);
        assertThat(informer.getIndexer().list()).hasSize(2);

        replaceAddresses("upstream-dns-a", "198.18.0.10", "198.18.0.13");
        await().atMost(EVENT_TIMEOUT).untilAsserted(() -> assertThat(updates)
                .anySatisfy(slice -> assertThat(addresses(slice)).containsExactly("198.18.0.10", "198.18.0.13")));

        cluster.stopApiServer();
        assertThatThrownBy(() -> core.listNamespace().execute())
                .as("the API server is really gone")
                .isInstanceOf(ApiException.class);
        cluster.startApiServer();

        replaceAddresses("upstream-dns-b", "198.18.0.14");
        await().atMost(EVENT_TIMEOUT).untilAsserted(() -> assertThat(updates)
                .anySatisfy(slice -> assertThat(addresses(slice)).containsExactly("198.18.0.14")));
        assertThat(informer.getIndexer().getByKey(namespace + "/upstream-dns-a"))
                .as("the cache kept the state from before the restart")
                .satisfies(slice -> assertThat(addresses(slice)).containsExactly("198.18.0.10", "198.18.0.13"));
    }

    /**
     * The restarted API server's watch cache starts at the etcd revision it finds, so a watch from an older
     * resourceVersion gets 410 Gone (as an ERROR event); a client relists and watches on from the new list.
     */
    @Test
    void watchFromBeforeTheRestartGetsGoneAndARelistResumes() throws Exception {
        String beforeRestart = listResourceVersion();
        replaceAddresses("upstream-dns-a", "198.18.0.16");

        cluster.stopApiServer();
        cluster.startApiServer();

        try (Watch<V1EndpointSlice> watch = watchFrom(beforeRestart)) {
            Watch.Response<V1EndpointSlice> event = watch.next();

            assertThat(event.type).isEqualTo("ERROR");
            assertThat(event.status.getCode()).isEqualTo(410);
            assertThat(event.status.getReason()).isEqualTo("Expired");
        }

        String afterRelist = listResourceVersion();
        replaceAddresses("upstream-dns-b", "198.18.0.15");
        try (Watch<V1EndpointSlice> watch = watchFrom(afterRelist)) {
            Watch.Response<V1EndpointSlice> event = watch.next();

            assertThat(event.type).isEqualTo("MODIFIED");
            assertThat(event.object.getMetadata().getName()).isEqualTo("upstream-dns-b");
            assertThat(addresses(event.object)).containsExactly("198.18.0.15");
        }
    }

    private String listResourceVersion() throws ApiException {
        return discovery.listNamespacedEndpointSlice(namespace).labelSelector(SELECTOR).execute()
                .getMetadata().getResourceVersion();
    }

    private Watch<V1EndpointSlice> watchFrom(String resourceVersion) throws ApiException {
        return Watch.createWatch(discovery.getApiClient(),
                discovery.listNamespacedEndpointSlice(namespace).labelSelector(SELECTOR)
                        .watch(true).resourceVersion(resourceVersion).timeoutSeconds(30).buildCall(null),
                new TypeToken<Watch.Response<V1EndpointSlice>>() {}.getType());
    }

    private SharedIndexInformer<V1EndpointSlice> endpointSliceInformer(List<V1EndpointSlice> updates) {
        SharedIndexInformer<V1EndpointSlice> informer = informers.sharedIndexInformerFor(
                params -> discovery.listNamespacedEndpointSlice(namespace)
                        .labelSelector(SELECTOR)
                        .resourceVersion(params.resourceVersion)
                        .watch(params.watch)
                        .timeoutSeconds(params.timeoutSeconds)
                        .allowWatchBookmarks(true)
                        .buildCall(null),
                V1EndpointSlice.class, V1EndpointSliceList.class);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(V1EndpointSlice slice) {
            }

            @Override
            public void onUpdate(V1EndpointSlice previous, V1EndpointSlice current) {
                updates.add(current);
            }

            @Override
            public void onDelete(V1EndpointSlice slice, boolean finalStateUnknown) {
            }
        });
        return informer;
    }

    private void replaceAddresses(String name, String... addresses) throws ApiException {
        V1EndpointSlice current = discovery.readNamespacedEndpointSlice(name, namespace).execute();
        discovery.replaceNamespacedEndpointSlice(name, namespace, current.endpoints(endpoints(addresses))).execute();
    }

    private static V1EndpointSlice slice(String name, String... addresses) {
        return new V1EndpointSlice()
                .metadata(new V1ObjectMeta().name(name).labels(Map.of("kubernetes.io/service-name", SERVICE)))
                .addressType("IPv4")
                .endpoints(endpoints(addresses))
                .ports(List.of(new DiscoveryV1EndpointPort().name("dns").port(53).protocol("UDP")));
    }

    private static List<V1Endpoint> endpoints(String... addresses) {
        return List.of(addresses).stream()
                .map(address -> new V1Endpoint().addresses(List.of(address))
                        .conditions(new V1EndpointConditions().ready(true)))
                .toList();
    }

    private static List<String> addresses(V1EndpointSlice slice) {
        return slice.getEndpoints().stream().flatMap(endpoint -> endpoint.getAddresses().stream()).toList();
    }
}
