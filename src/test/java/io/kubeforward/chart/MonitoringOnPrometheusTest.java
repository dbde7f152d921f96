package io.kubeforward.chart;

import static io.kubeforward.discovery.DiscoveryHarness.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kubeforward.discovery.DiscoveryHarness;
import io.kubeforward.discovery.DiscoveryHarness.App;
import io.kubeforward.discovery.DiscoveryHarness.Host;
import io.kubeforward.testcluster.KubernetesCluster;
import io.kubeforward.testcluster.NetnsTestHost;
import io.kubeforward.testcluster.RealKubernetesCluster;
import io.kubeforward.testing.Closer;
import io.kubeforward.testing.DnsTestClient;
import io.kubeforward.testing.FreePorts;
import io.kubeforward.testing.Peers;
import io.kubeforward.testing.PrometheusServer;
import io.kubeforward.testing.PrometheusServer.Target;
import io.kubeforward.testing.TestUpstream;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Rcode;
import tools.jackson.databind.JsonNode;

/**
 * The chart's Grafana dashboard and PrometheusRule on a real Prometheus (Debian's package, on loopback), scraping two
 * running kubeforward instances under load, with the labels a ServiceMonitor gives them:
 * <ul>
 *   <li>"troubled": one of the two kube-dns endpoints (on network-namespace test hosts, published in a real
 *       EndpointSlice) does not answer; a zone whose static upstreams are all down, with {@code max_concurrent 1};
 *       a zone whose Service has no endpoint; a zone whose Service the service account may not read (HTTP 403);</li>
 *   <li>"healthy": a zone whose only endpoint answers.</li>
 * </ul>
 * Every dashboard query returns series (the one from cAdvisor, which only a kubelet serves, is named and excepted);
 * every alert's expression returns series for the troubled instance and none for the healthy one; and Prometheus's own
 * rule evaluation puts each alert in {@code ALERTS} (pending or firing) for the troubled instance only.
 */
@RealKubernetesCluster
class MonitoringOnPrometheusTest {

    /** Dashboard queries that need series from outside kubeforward, with the reason; nothing else is excepted. */
    private static final Map<String, String> OUTSIDE_KUBEFORWARD = Map.of("container_memory_working_set_bytes",
            "cAdvisor's, served by the kubelet; no kubelet runs in this tier");
    /**
     * Alerts on what only a node has, with the reason; their rules are unit-tested with promtool
     * (PrometheusRulesTest) and their metrics checked on the test node (RealNodeIT).
     */
    private static final Map<String, String> NODE_ONLY_ALERTS = Map.of("KubeforwardNodeSetupFailing",
            "the node setup changes a network namespace's interfaces and iptables: it runs on the test node, not in this JVM");
    private static final int LOAD_THREADS = 8;

    private final KubernetesCluster cluster;
    private final ApiClient admin;
    private final DiscoveryHarness harness;
    private final Closer closer = new Closer();

    MonitoringOnPrometheusTest(KubernetesCluster cluster, ApiClient admin) throws Exception {
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

    private <T extends AutoCloseable> T keep(T resource) {
        return closer.keep(resource);
    }

    @Test
    void everyDashboardQueryAndEveryAlertReturnsSeriesOnARealPrometheus(@TempDir Path dir) throws Exception {
        Path prometheus = Peers.require("prometheus", "prometheus", "KUBEFORWARD_REQUIRE_PROMETHEUS");
        assumeTrue(NetnsTestHost.unsupportedReason().isEmpty(), () -> NetnsTestHost.unsupportedReason().orElse(""));

        Host answering = harness.host("10.0.0.1");
        Host down = harness.host("10.0.0.2");
        down.dns().mode(TestUpstream.Mode.SILENT);
        down.dns6().mode(TestUpstream.Mode.SILENT);
        harness.create("kube-dns-1", ready(answering.ip()), ready(down.ip()));
        createSlice("healthy", answering.ip());
        TestUpstream silentA = keep(TestUpstream.start("10.0.1.1")).mode(TestUpstream.Mode.SILENT);
        TestUpstream silentB = keep(TestUpstream.start("10.0.1.2")).mode(TestUpstream.Mode.SILENT);
        Path readsItsNamespaceOnly = cluster.kubeconfigFor("kf-monitoring", harness.namespace,
                "get,list,watch:endpointslices.discovery.k8s.io");

        int troubledPort = FreePorts.udpAndTcp();
        App troubled = harness.start(troubled(troubledPort, readsItsNamespaceOnly, silentA, silentB));
        int healthyPort = FreePorts.udpAndTcp();
        App healthy = harness.start(Map.of("kubeforward.servers[0].port", String.valueOf(healthyPort),
                "kubeforward.servers[0].forward.service.name", "healthy", "kubeforward.servers[0].cache.enabled", "true"));

        Path rules = MonitoringObjects.writeRules(cluster.helmBinary(), dir);
        PrometheusServer server = keep(PrometheusServer.start(prometheus, dir, rules, List.of(
                target(troubled, "kubeforward-troubled", "node-a"), target(healthy, "kubeforward-healthy", "node-b"))));
        Load load = keep(new Load(troubledPort, healthyPort));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(server.targetHealth().values()).hasSize(2)
                .allSatisfy(health -> assertThat(health).startsWith("up")));

        List<MonitoringObjects.Alert> alerts = MonitoringObjects.alerts(rules).stream()
                .filter(alert -> !NODE_ONLY_ALERTS.containsKey(alert.name())).toList();
        assertThat(MonitoringObjects.alerts(rules)).extracting(MonitoringObjects.Alert::name).containsAll(NODE_ONLY_ALERTS.keySet());
        List<MonitoringObjects.Panel> panels = MonitoringObjects.dashboardPanels();
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(3)).untilAsserted(() -> {
            assertThat(emptyPanels(server, panels)).as("dashboard queries without series").isEmpty();
            for (MonitoringObjects.Alert alert : alerts) {
                assertThat(pods(server.query(alert.expr()))).as("%s: pods its expression returns", alert.name())
                        .containsExactly("kubeforward-troubled");
            }
            Map<String, TreeSet<String>> active = new TreeMap<>();
            for (JsonNode series : server.query("ALERTS{alertstate=~\"pending|firing\"}")) {
                active.computeIfAbsent(series.path("metric").path("alertname").asString(""), k -> new TreeSet<>())
                        .add(series.path("metric").path("pod").asString(""));
            }
            for (MonitoringObjects.Alert alert : alerts) {
                assertThat(active.get(alert.name())).as("%s pending or firing, by pod", alert.name())
                        .containsExactly("kubeforward-troubled");
            }
        });
        System.out.printf("[measure] on Prometheus: %d dashboard queries with series (%d excepted: %s), %d alerts pending/firing for "
                        + "the troubled instance only, %d s after the targets were up; load answered %s%n",
                panels.size() - excepted(panels), excepted(panels), OUTSIDE_KUBEFORWARD.keySet(), alerts.size(),
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), load.answers());
    }

    /** The troubled instance: the harness's zone (one endpoint down) plus three zones that each set off one alert. */
    private Map<String, String> troubled(int port, Path kubeconfig, TestUpstream silentA, TestUpstream silentB) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("kubeforward.kubernetes.kubeconfig", kubeconfig.toString());
        p.put("kubeforward.servers[0].port", String.valueOf(port));
        p.put("kubeforward.servers[0].cache.enabled", "true");
        block(p, 1, "down.test.", port);
        p.put("kubeforward.servers[1].forward.to[0]", "127.0.0.1:" + silentA.port());
        p.put("kubeforward.servers[1].forward.to[1]", "127.0.0.1:" + silentB.port());
        p.put("kubeforward.servers[1].forward.max-concurrent", "1");
        p.put("kubeforward.servers[1].forward.read-timeout", "300ms");
        p.put("kubeforward.servers[1].forward.health-check.interval", "200ms");
        block(p, 2, "empty.test.", port);
        p.put("kubeforward.servers[2].forward.service.namespace", harness.namespace);
        p.put("kubeforward.servers[2].forward.service.name", "nothing-here");
        block(p, 3, "forbidden.test.", port);
        p.put("kubeforward.servers[3].forward.service.namespace", "default"); // the service account may not read it
        p.put("kubeforward.servers[3].forward.service.name", "kube-dns");
        return p;
    }

    private static void block(Map<String, String> p, int i, String zone, int port) {
        p.put("kubeforward.servers[" + i + "].zones[0]", zone);
        p.put("kubeforward.servers[" + i + "].port", String.valueOf(port));
        p.put("kubeforward.servers[" + i + "].bind[0]", "127.0.0.1");
    }

    private void createSlice(String service, String ip) throws Exception {
        V1EndpointSlice slice = new V1EndpointSlice().apiVersion("discovery.k8s.io/v1").kind("EndpointSlice")
                .metadata(new V1ObjectMeta().name(service + "-1").namespace(harness.namespace)
                        .labels(Map.of("kubernetes.io/service-name", service)))
                .addressType("IPv4").endpoints(List.of(ready(ip)))
                .ports(List.of(new DiscoveryV1EndpointPort().name("dns").port(DiscoveryHarness.DNS_PORT).protocol("UDP")));
        new DiscoveryV1Api(admin).createNamespacedEndpointSlice(harness.namespace, slice).execute();
    }

    private static Target target(App app, String pod, String node) {
        String port = app.context.getEnvironment().getProperty("local.server.port");
        return new Target("127.0.0.1:" + port, Map.of("namespace", "kube-system", "pod", pod, "node", node));
    }

    private static List<String> emptyPanels(PrometheusServer server, List<MonitoringObjects.Panel> panels) throws Exception {
        List<String> empty = new ArrayList<>();
        for (MonitoringObjects.Panel panel : panels) {
            if (isExcepted(panel) || !server.query(MonitoringObjects.substitute(panel.expr(), "30s", "5m")).isEmpty()) {
                continue;
            }
            empty.add(panel.title() + ": " + panel.expr());
        }
        return empty;
    }

    private static boolean isExcepted(MonitoringObjects.Panel panel) {
        return OUTSIDE_KUBEFORWARD.keySet().stream().anyMatch(panel.expr()::contains);
    }

    private static long excepted(List<MonitoringObjects.Panel> panels) {
        return panels.stream().filter(MonitoringOnPrometheusTest::isExcepted).count();
    }

    private static TreeSet<String> pods(List<JsonNode> series) {
        TreeSet<String> pods = new TreeSet<>();
        series.forEach(s -> pods.add(s.path("metric").path("pod").asString("")));
        return pods;
    }

    /**
     * Queries to both instances from {@link #LOAD_THREADS} threads, each pausing 20 ms between queries, until closed:
     * cluster names (repeated, so the cache hits too), the all-down zone from two threads at once (so that
     * {@code max_concurrent 1} refuses some), the empty and the forbidden zone, and the healthy instance.
     */
    private static final class Load implements AutoCloseable {
        private final ExecutorService threads = Executors.newFixedThreadPool(LOAD_THREADS);
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Map<String, LongAdder> answers = new ConcurrentHashMap<>();

        Load(int troubledPort, int healthyPort) {
            String[] zones = {"cluster.local.", "cluster.local.", "cluster.local.", "down.test.", "down.test.", "empty.test.",
                    "forbidden.test.", "cluster.local."};
            for (int t = 0; t < LOAD_THREADS; t++) {
                int port = t == LOAD_THREADS - 1 ? healthyPort : troubledPort;
                String zone = zones[t];
                threads.execute(() -> run(new DnsTestClient(new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                        Duration.ofSeconds(2)), zone, port == healthyPort ? "healthy " : "troubled "));
            }
        }

        private void run(DnsTestClient client, String zone, String instance) {
            for (int i = 0; running.get(); i++) {
                String outcome;
                try {
                    outcome = Rcode.string(client.udp("www-" + (i % 50) + "." + zone).getRcode());
                } catch (IOException e) {
                    outcome = "timeout";
                }
                answers.computeIfAbsent(instance + zone + " " + outcome, k -> new LongAdder()).increment();
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        Map<String, Long> answers() {
            Map<String, Long> counts = new TreeMap<>();
            answers.forEach((k, v) -> counts.put(k, v.sum()));
            return counts;
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            threads.shutdownNow();
            threads.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
