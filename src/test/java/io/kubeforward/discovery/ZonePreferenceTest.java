package io.kubeforward.discovery;

import static io.kubeforward.discovery.DiscoveryHarness.answer;
import static io.kubeforward.discovery.DiscoveryHarness.endpoint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubeforward.discovery.DiscoveryHarness.App;
import io.kubeforward.discovery.DiscoveryHarness.Host;
import io.kubeforward.forward.Forwarding;
import io.kubeforward.testcluster.KubernetesCluster;
import io.kubeforward.testcluster.RealKubernetesCluster;
import io.kubeforward.testing.TestUpstream.Mode;
import io.kubeforward.upstream.UpstreamSet;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** prefer_zone against the real API server: a Node with a zone label, endpoints in two zones, real queries. */
@RealKubernetesCluster
class ZonePreferenceTest {

    private final DiscoveryHarness harness;
    private final String node = "node-" + UUID.randomUUID().toString().substring(0, 8);
    private Host a1;
    private Host a2;
    private Host b1;

    ZonePreferenceTest(KubernetesCluster cluster, ApiClient client) throws Exception {
        this.harness = new DiscoveryHarness(cluster, client);
        harness.core.createNode(new V1Node().metadata(new V1ObjectMeta().name(node)
                .labels(Map.of(NodeZone.ZONE_LABEL, "zone-a")))).execute();
    }

    @BeforeEach
    void hosts() throws Exception {
        a1 = harness.host("10.0.1.1");
        a2 = harness.host("10.0.1.2");
        b1 = harness.host("10.0.2.1");
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
        harness.core.deleteNode(node).execute();
    }

    private App start(String preferZone) {
        return harness.start(Map.of("kubeforward.servers[0].forward.service.prefer-zone", preferZone,
                "kubeforward.kubernetes.node-name", node));
    }

    private static UpstreamSet set(App app) {
        return app.context.getBean(Forwarding.class).entries().get(0).forwarder().orElseThrow().pool().current();
    }

    private static List<String> preferred(App app) {
        return java.util.Arrays.stream(set(app).preferred()).map(u -> u.address().hostPort()).sorted().toList();
    }

    private static Map<String, Integer> answers(App app, int queries) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < queries; i++) {
            counts.merge(answer(app.client().udp("z" + i + ".cluster.local.")), 1, Integer::sum);
        }
        return counts;
    }

    private void zonedSlice() throws Exception {
        harness.create("kube-dns-1", endpoint(a1.ip(), true, true, false, "zone-a"), endpoint(a2.ip(), true, true, false, "zone-a"),
                endpoint(b1.ip(), true, true, false, "zone-b"));
    }

    @Test
    void queriesStayInTheNodesZoneAndSpreadOverItsEndpoints() throws Exception {
        zonedSlice();
        App app = start("auto");
        await().atMost(Duration.ofSeconds(15)).until(() -> preferred(app).equals(java.util.stream.Stream.of(a1.hostPort(), a2.hostPort()).sorted().toList()));
        Map<String, Integer> counts = answers(app, 40);
        assertThat(counts.keySet()).containsExactlyInAnyOrder("10.0.1.1", "10.0.1.2");
        assertThat(counts.get("10.0.1.1")).isGreaterThanOrEqualTo(5);
        assertThat(counts.get("10.0.1.2")).isGreaterThanOrEqualTo(5);
        String scrape = app.context.getBean(io.micrometer.prometheusmetrics.PrometheusMeterRegistry.class).scrape();
        assertThat(scrape).contains("kubeforward_forward_topology_answers_total{");
    }

    @Test
    void unreadyLocalEndpointsSpillToTheOtherZoneWithoutFailures() throws Exception {
        zonedSlice();
        App app = start("auto");
        await().atMost(Duration.ofSeconds(15)).until(() -> preferred(app).size() == 2);
        harness.replace("kube-dns-1", endpoint(a1.ip(), false, false, false, "zone-a"), endpoint(a2.ip(), false, false, false, "zone-a"),
                endpoint(b1.ip(), true, true, false, "zone-b"));
        await().atMost(Duration.ofSeconds(5)).until(() -> app.pool().equals(List.of(b1.hostPort())));
        assertThat(answers(app, 10)).containsOnlyKeys("10.0.2.1");
    }

    @Test
    void localEndpointsFailingHealthChecksSpillWithinTheWindowWithoutFailures() throws Exception {
        zonedSlice();
        App app = start("auto");
        await().atMost(Duration.ofSeconds(15)).until(() -> preferred(app).size() == 2);
        a1.dns().mode(Mode.SILENT);
        a2.dns().mode(Mode.SILENT);
        long start = System.nanoTime();
        Set<String> seen = new TreeSet<>();
        // Until both are marked down (3 failed 1 s probes), each query's local attempt times out (500 ms) and the
        // next attempt goes to zone b: answered, just slower. Then queries go to zone b at once.
        while (System.nanoTime() - start < Duration.ofSeconds(8).toNanos()) {
            seen.add(answer(app.client().udp("hc" + System.nanoTime() + ".cluster.local.")));
        }
        assertThat(seen).containsExactly("10.0.2.1");
        assertThat(set(app).preferred()).allMatch(u -> u.isDown(2));
        long fast = System.nanoTime();
        assertThat(answer(app.client().udp("fast.cluster.local."))).isEqualTo("10.0.2.1");
        assertThat(Duration.ofNanos(System.nanoTime() - fast)).isLessThan(Duration.ofMillis(400));
    }

    @Test
    void hintsTakePrecedenceOverZones() throws Exception {
        harness.create("kube-dns-1", endpoint(a1.ip(), true, true, false, "zone-a", "zone-b"),
                endpoint(b1.ip(), true, true, false, "zone-b", "zone-a"));
        App app = start("auto");
        await().atMost(Duration.ofSeconds(15)).until(() -> preferred(app).equals(List.of(b1.hostPort())));
        assertThat(answers(app, 10)).containsOnlyKeys("10.0.2.1");
    }

    @Test
    void offSharesTheLoadOverAllEndpoints() throws Exception {
        zonedSlice();
        App app = start("off");
        await().atMost(Duration.ofSeconds(15)).until(() -> app.pool().size() == 3);
        assertThat(preferred(app)).isEmpty();
        Map<String, Integer> counts = answers(app, 60);
        assertThat(counts.keySet()).containsExactlyInAnyOrder("10.0.1.1", "10.0.1.2", "10.0.2.1");
    }

    @Test
    void aFixedZoneNeedsNoNodeLookup() throws Exception {
        zonedSlice();
        App app = start("zone-b");
        await().atMost(Duration.ofSeconds(15)).until(() -> preferred(app).equals(List.of(b1.hostPort())));
        assertThat(answers(app, 10)).containsOnlyKeys("10.0.2.1");
    }
}
