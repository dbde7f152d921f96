package io.kubeforward.discovery;

import static io.kubeforward.discovery.DiscoveryHarness.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubeforward.testcluster.KubernetesCluster;
import io.kubeforward.testcluster.RealKubernetesCluster;
import io.kubeforward.testing.Closer;
import io.kubeforward.testing.TcpProxy;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The list-and-watch loop against the real API server, request by request: what it asks for after a watch ends, after
 * its connection breaks, with bookmarks, and after the API server restarts (issue 16, docs/scale.md). Each client's
 * requests are recorded by an interceptor, so "no LIST" is checked on the wire, not inferred.
 */
@RealKubernetesCluster
class EndpointSliceListerWatcherTest {

    private static final Duration FAST = Duration.ofSeconds(10);
    private final KubernetesCluster cluster;
    private final ApiClient admin;
    private final DiscoveryHarness harness;
    private final Closer closer = new Closer();

    EndpointSliceListerWatcherTest(KubernetesCluster cluster, ApiClient admin) throws Exception {
        this.cluster = cluster;
        this.admin = admin;
        this.harness = new DiscoveryHarness(cluster, admin);
    }

    @AfterEach
    void close() throws Exception {
        try {
            closer.close();
        } finally {
            harness.close();
        }
    }

    @Test
    void aWatchTheServerEndsIsResumedFromItsVersionWithoutAList() throws Exception {
        harness.create("kube-dns-1", ready("198.18.0.1"));
        Follower follower = follow(Duration.ofSeconds(2), Duration.ofMillis(100), Optional.empty());
        await().atMost(FAST).until(() -> follower.addresses().equals(Set.of("198.18.0.1")));
        Thread.sleep(7_000); // watches of 2–4 s: the server ends at least two
        harness.replace("kube-dns-1", ready("198.18.0.2"));
        await().atMost(FAST).until(() -> follower.addresses().equals(Set.of("198.18.0.2")));

        assertThat(follower.requests.lists()).as("LISTs").hasSize(1);
        List<Recorded> watches = follower.requests.watches();
        assertThat(watches).as("watches, each resumed by the next").hasSizeGreaterThanOrEqualTo(3);
        assertThat(watches).allSatisfy(w -> assertThat(w.resourceVersion()).matches("[1-9][0-9]*"));
        assertThat(follower.status.errors()).isZero();
    }

    @Test
    void aBrokenConnectionIsResumedFromTheLastVersionWithoutAList() throws Exception {
        harness.create("kube-dns-1", ready("198.18.0.1"));
        try (TcpProxy proxy = TcpProxy.to(new InetSocketAddress("127.0.0.1", cluster.apiServerUrl().getPort()))) {
            Follower follower = follow(EndpointSliceListerWatcher.WATCH_TIMEOUT, Duration.ofMillis(100), Optional.of(proxy));
            await().atMost(FAST).until(() -> follower.addresses().equals(Set.of("198.18.0.1")));
            harness.replace("kube-dns-1", ready("198.18.0.2"));
            await().atMost(FAST).until(() -> follower.addresses().equals(Set.of("198.18.0.2")));
            String seen = follower.watcher.resourceVersion();
            int watchesBefore = follower.requests.watches().size();

            assertThat(proxy.cutAll()).as("connections cut").isPositive();
            await().atMost(FAST).until(() -> follower.requests.watches().size() > watchesBefore);
            harness.replace("kube-dns-1", ready("198.18.0.3"));
            await().atMost(FAST).until(() -> follower.addresses().equals(Set.of("198.18.0.3")));

            assertThat(follower.requests.lists()).as("LISTs").hasSize(1);
            Recorded resumed = follower.requests.watches().get(watchesBefore);
            assertThat(resumed.resourceVersion()).as("resumed from the last event's version").isEqualTo(seen);
            assertThat(follower.status.errors()).as("the broken watch, counted").isPositive();
            assertThat(follower.status.state()).isEqualTo(WatchStatus.State.WATCHING);
        }
    }

    /**
     * Without bookmarks a quiet Service's last version is that of its last change, which the watch cache forgets
     * within minutes of other writes; a watch lost then could only be replaced by a LIST. With them the version moves
     * with the cache, and a resume stays possible.
     */
    @Test
    void bookmarksMoveTheVersionToResumeFromWithoutAnEventOfItsOwn() throws Exception {
        harness.create("kube-dns-1", ready("198.18.0.1"));
        try (TcpProxy proxy = TcpProxy.to(new InetSocketAddress("127.0.0.1", cluster.apiServerUrl().getPort()))) {
            Follower follower = follow(EndpointSliceListerWatcher.WATCH_TIMEOUT, Duration.ofMillis(100), Optional.of(proxy));
            await().atMost(FAST).until(() -> follower.addresses().equals(Set.of("198.18.0.1")));
            // Once the watch is open: the API server bookmarks only a version newer than every event it had when the
            // watch began (the write must come after that, or no bookmark would ever be due in a quiet cluster).
            await().atMost(FAST).until(() -> follower.requests.watches().size() == 1);
            String listed = follower.watcher.resourceVersion();
            // Another Service's slice: the cluster's version moves, this watch gets no event for it.
            V1EndpointSlice other = harness.discovery.createNamespacedEndpointSlice(harness.namespace, otherService()).execute();
            long otherVersion = Long.parseLong(other.getMetadata().getResourceVersion());
            assertThat(Long.parseLong(listed)).isLessThan(otherVersion);

            // The API server sends a bookmark about once a minute.
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> Long.parseLong(follower.watcher.resourceVersion()) >= otherVersion);
            String bookmarked = follower.watcher.resourceVersion();
            int watchesBefore = follower.requests.watches().size();
            proxy.cutAll();
            await().atMost(FAST).until(() -> follower.requests.watches().size() > watchesBefore);

            assertThat(follower.requests.watches().get(watchesBefore).resourceVersion()).isEqualTo(bookmarked);
            assertThat(follower.requests.lists()).as("LISTs").hasSize(1);
            assertThat(follower.addresses()).containsExactly("198.18.0.1");
        }
    }

    /**
     * A restarted API server no longer has the old version (410 Gone): the relist asks for "not older than" that
     * version, never 0 (which may go back in time) nor "" (which costs a round trip to etcd), and the watch cache
     * serves it.
     */
    @Test
    void afterAnApiServerRestartTheRelistAsksForNotOlderThanTheLastVersionAndComesFromTheWatchCache() throws Exception {
        harness.create("kube-dns-1", ready("198.18.0.1"));
        // The relist waits exactly 8 s after the 410: long enough to read the new server's counters before it.
        Follower follower = follow(EndpointSliceListerWatcher.WATCH_TIMEOUT, Duration.ofSeconds(8), Optional.empty());
        await().atMost(FAST).until(() -> follower.addresses().equals(Set.of("198.18.0.1")));
        String before = follower.watcher.resourceVersion();
        double[] atStart;
        cluster.stopApiServer();
        try {
            Thread.sleep(1_000);
        } finally {
            cluster.startApiServer();
            atStart = listsServed(); // a new process: its counters start at zero
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> follower.requests.lists().size() == 2);
        harness.replace("kube-dns-1", ready("198.18.0.2"));
        await().atMost(FAST).until(() -> follower.addresses().equals(Set.of("198.18.0.2")));

        Recorded relist = follower.requests.lists().get(1);
        Recorded gone = follower.requests.watches().stream().filter(w -> w.code() != 0 && w.sentNanos() < relist.sentNanos())
                .reduce((a, b) -> b).orElseThrow();
        assertThat(Long.parseLong(gone.resourceVersion())).as("the resumed watch").isGreaterThanOrEqualTo(Long.parseLong(before));
        assertThat(relist.resourceVersion()).as("not older than the version the server said was gone").isEqualTo(gone.resourceVersion());
        double[] after = listsServed();
        assertThat(after[0] - atStart[0]).as("LISTs served from the watch cache").isGreaterThanOrEqualTo(1);
        assertThat(after[1] - atStart[1]).as("LISTs served from etcd").isZero();
        assertThat(follower.status.state()).isEqualTo(WatchStatus.State.WATCHING);
    }

    private V1EndpointSlice otherService() {
        return new V1EndpointSlice().apiVersion("discovery.k8s.io/v1").kind("EndpointSlice")
                .metadata(new V1ObjectMeta().name("other-1").namespace(harness.namespace)
                        .labels(Map.of(EndpointSliceListerWatcher.SERVICE_NAME_LABEL, "other")))
                .addressType("IPv4").ports(List.of(new DiscoveryV1EndpointPort().name("http").port(80).protocol("TCP")))
                .endpoints(List.of(ready("198.18.1.1")));
    }

    /** EndpointSlice LISTs the API server served from its watch cache and from etcd so far (its own metrics). */
    private double[] listsServed() throws IOException {
        Request request = new Request.Builder().url(admin.getBasePath() + "/metrics").build();
        try (Response response = admin.getHttpClient().newCall(request).execute()) {
            assertThat(response.code()).isEqualTo(200);
            List<String> lines = response.body().string().lines().filter(line -> line.contains("resource=\"endpointslices\"")).toList();
            return new double[] {sum(lines, "apiserver_cache_list_total{"), sum(lines, "apiserver_storage_list_total{")};
        }
    }

    private static double sum(List<String> lines, String prefix) {
        return lines.stream().filter(line -> line.startsWith(prefix))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private Follower follow(Duration watchTimeout, Duration relistSpread, Optional<TcpProxy> proxy) {
        Path kubeconfig = cluster.kubeconfigFor("lister-watcher", harness.namespace, "get,list,watch:endpointslices.discovery.k8s.io");
        ApiClient client = KubernetesClients.forWatching(cluster.newApiClient(kubeconfig));
        proxy.ifPresent(p -> client.setBasePath("https://127.0.0.1:" + p.port()));
        Requests requests = new Requests();
        client.setHttpClient(client.getHttpClient().newBuilder().addInterceptor(requests).build());
        WatchStatus status = new WatchStatus(harness.namespace + "/" + DiscoveryHarness.SERVICE, Clock.systemUTC());
        EndpointSliceListerWatcher watcher = new EndpointSliceListerWatcher(() -> client, harness.namespace, DiscoveryHarness.SERVICE,
                status, () -> { }, new Backoff(Duration.ofMillis(100), Duration.ofMillis(500), new LongestJitter()), relistSpread,
                watchTimeout);
        closer.keep(watcher);
        watcher.start();
        return new Follower(watcher, requests, status);
    }

    private record Follower(EndpointSliceListerWatcher watcher, Requests requests, WatchStatus status) {
        Set<String> addresses() {
            return watcher.slices().stream().flatMap(s -> s.getEndpoints().stream()).flatMap(e -> e.getAddresses().stream())
                    .collect(Collectors.toSet());
        }
    }

    /** One request as the client sent it: LIST or WATCH, the resourceVersion asked for, the HTTP code (0: no answer). */
    private record Recorded(boolean watch, String resourceVersion, int code, long sentNanos) {
    }

    private static final class Requests implements Interceptor {
        private final List<Recorded> recorded = new CopyOnWriteArrayList<>();

        @Override
        public Response intercept(Chain chain) throws IOException {
            boolean watch = "true".equals(chain.request().url().queryParameter("watch"));
            String version = String.valueOf(chain.request().url().queryParameter("resourceVersion"));
            long sent = System.nanoTime();
            try {
                Response response = chain.proceed(chain.request());
                recorded.add(new Recorded(watch, version, response.code(), sent));
                return response;
            } catch (IOException e) {
                recorded.add(new Recorded(watch, version, 0, sent));
                throw e;
            }
        }

        List<Recorded> lists() {
            return recorded.stream().filter(r -> !r.watch() && r.code() == 200).toList();
        }

        List<Recorded> watches() {
            return recorded.stream().filter(Recorded::watch).toList();
        }
    }
}
