package io.kubeforward.discovery;

import static io.kubeforward.discovery.DiscoveryHarness.DNS_PORT;
import static io.kubeforward.discovery.DiscoveryHarness.answer;
import static io.kubeforward.discovery.DiscoveryHarness.endpoint;
import static io.kubeforward.discovery.DiscoveryHarness.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubeforward.discovery.DiscoveryHarness.App;
import io.kubeforward.discovery.DiscoveryHarness.Host;
import io.kubeforward.testcluster.KubernetesCluster;
import io.kubeforward.testcluster.RealKubernetesCluster;
import io.kubeforward.upstream.Upstream;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;

/**
 * EndpointSlice discovery against a real kube-apiserver, with real upstream DNS servers on test hosts and
 * real queries through the application.
 */
@RealKubernetesCluster
class EndpointSliceDiscoveryTest {

    /** The bound for a change to reach the pool. */
    private static final Duration PROPAGATION = Duration.ofSeconds(1);

    private final DiscoveryHarness harness;

    EndpointSliceDiscoveryTest(KubernetesCluster cluster, ApiClient client) throws Exception {
        this.harness = new DiscoveryHarness(cluster, client);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private static Duration timeUntil(App app, List<String> expected) {
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .untilAsserted(() -> assertThat(app.pool()).containsExactlyInAnyOrderElementsOf(expected));
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Test
    void addsRemovalsAndConditionChangesReachThePoolWithinOneSecond() throws Exception {
        Host a = harness.host("10.0.0.1");
        Host b = harness.host("10.0.0.2");
        harness.create("kube-dns-1", ready(a.ip()));
        App app = harness.start(Map.of());
        timeUntil(app, List.of(a.hostPort()));
        assertThat(answer(app.client().udp("www.cluster.local."))).isEqualTo("10.0.0.1");
        Upstream aMember = app.members().get(0);

        harness.replace("kube-dns-1", ready(a.ip()), ready(b.ip()));
        Duration add = timeUntil(app, List.of(a.hostPort(), b.hostPort()));
        System.out.println("[measure] endpoint add -> in pool: " + add.toMillis() + " ms");
        assertThat(add).isLessThan(PROPAGATION);
        assertThat(app.members()).contains(aMember); // a kept its state: same member object

        harness.replace("kube-dns-1", endpoint(a.ip(), false, false, false, null), ready(b.ip()));
        Duration notReady = timeUntil(app, List.of(b.hostPort()));
        assertThat(notReady).isLessThan(PROPAGATION);
        for (int i = 0; i < 5; i++) {
            assertThat(answer(app.client().udp("q" + i + ".cluster.local."))).isEqualTo("10.0.0.2");
        }

        // Only terminating-but-serving endpoints left: they are used rather than nothing.
        harness.replace("kube-dns-1", endpoint(a.ip(), false, true, true, null), endpoint(b.ip(), false, false, true, null));
        assertThat(timeUntil(app, List.of(a.hostPort()))).isLessThan(PROPAGATION);
        assertThat(answer(app.client().udp("terminating.cluster.local."))).isEqualTo("10.0.0.1");

        // None ready, none terminating: the not-ready ones are used (health checks decide) rather than nothing, as when
        // the node controller has marked every pod of a node not ready after an API-server outage.
        harness.replace("kube-dns-1", endpoint(a.ip(), false, false, false, null), endpoint(b.ip(), false, false, false, null));
        assertThat(timeUntil(app, List.of(a.hostPort(), b.hostPort()))).isLessThan(PROPAGATION);
        assertThat(answer(app.client().udp("not-ready.cluster.local."))).isIn("10.0.0.1", "10.0.0.2");

        harness.delete("kube-dns-1");
        Duration removed = timeUntil(app, List.of());
        assertThat(removed).isLessThan(PROPAGATION);
        long start = System.nanoTime();
        assertThat(app.client().udp("gone.cluster.local.").getRcode()).as("no endpoint and no fallback: SERVFAIL").isEqualTo(Rcode.SERVFAIL);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("at once, not after a timeout").isLessThan(Duration.ofMillis(500));
    }

    @Test
    void slicesThatSplitAndMergeKeepTheMembers() throws Exception {
        Host a = harness.host("10.0.0.1");
        Host b = harness.host("10.0.0.2");
        harness.create("kube-dns-1", ready(a.ip()), ready(b.ip()));
        App app = harness.start(Map.of());
        timeUntil(app, List.of(a.hostPort(), b.hostPort()));
        List<Upstream> before = app.members();
        long version = app.context.getBean(io.kubeforward.forward.Forwarding.class).entries().get(0).forwarder().orElseThrow()
                .pool().current().version();

        // Split: b moves to a second slice (created first, as the EndpointSlice controller does).
        harness.create("kube-dns-2", ready(b.ip()));
        harness.replace("kube-dns-1", ready(a.ip()));
        // Merge back.
        harness.replace("kube-dns-1", ready(a.ip()), ready(b.ip()));
        harness.delete("kube-dns-2");
        Thread.sleep(500);
        assertThat(app.pool()).containsExactlyInAnyOrder(a.hostPort(), b.hostPort());
        assertThat(app.members()).containsExactlyInAnyOrderElementsOf(before);
        assertThat(app.context.getBean(io.kubeforward.forward.Forwarding.class).entries().get(0).forwarder().orElseThrow()
                .pool().current().version()).as("no pool change at all").isEqualTo(version);
    }

    @Test
    void ipv6EndpointsAreBracketedAndServe() throws Exception {
        Host a = harness.host("10.0.0.6");
        harness.create(harness.slice("kube-dns-v6", "IPv6", List.of(ready(a.ip6()))));
        App app = harness.start(Map.of());
        timeUntil(app, List.of("[" + a.ip6() + "]:" + DNS_PORT));
        assertThat(answer(app.client().udp("v6.cluster.local."))).isEqualTo("10.0.0.6");
        assertThat(answer(app.client().tcp("v6.cluster.local."))).isEqualTo("10.0.0.6");
    }

    @Test
    void addressFamilyFiltersEndpoints() throws Exception {
        Host a = harness.host("10.0.0.4");
        harness.create("kube-dns-v4", ready(a.ip()));
        harness.create(harness.slice("kube-dns-v6", "IPv6", List.of(ready(a.ip6()))));
        App app = harness.start(Map.of("kubeforward.servers[0].forward.service.address-family", "ipv6"));
        timeUntil(app, List.of("[" + a.ip6() + "]:" + DNS_PORT));
    }

    @Test
    void fqdnSlicesAreIgnoredAndThePortIsChosenByName() throws Exception {
        Host a = harness.host("10.0.0.1");
        harness.create(harness.slice("kube-dns-fqdn", "FQDN", List.of(ready("dns.example.org"))));
        harness.create("kube-dns-1", ready(a.ip()));
        App app = harness.start(Map.of());
        // port_name dns: 5353 of the three ports (dns, dns-tcp, metrics 9153).
        timeUntil(app, List.of(a.hostPort()));
    }

    @Test
    void scaledToZeroUsesTheFallbackWithoutHanging() throws Exception {
        Host a = harness.host("10.0.0.1");
        Host fallback = harness.host("10.0.0.9");
        harness.create("kube-dns-1", ready(a.ip()));
        App app = harness.start(Map.of("kubeforward.servers[0].forward.service.fallback[0]", fallback.hostPort()));
        timeUntil(app, List.of(a.hostPort()));
        harness.replace("kube-dns-1");
        timeUntil(app, List.of(fallback.hostPort()));
        long start = System.nanoTime();
        assertThat(answer(app.client().udp("zero.cluster.local."))).isEqualTo("10.0.0.9");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(app.pool()).containsExactly(fallback.hostPort());
    }

    @Test
    void beforeTheFirstListTheFallbackAnswers() throws Exception {
        Host fallback = harness.host("10.0.0.9");
        harness.cluster.stopApiServer();
        try {
            App app = harness.start(Map.of("kubeforward.servers[0].forward.service.fallback[0]", fallback.hostPort()));
            assertThat(app.pool()).containsExactly(fallback.hostPort());
            assertThat(answer(app.client().udp("early.cluster.local."))).isEqualTo("10.0.0.9");
            assertThat(app.watcher().status().state()).isNotEqualTo(WatchStatus.State.WATCHING);
        } finally {
            harness.cluster.startApiServer();
        }
    }

    @Test
    void worksWithARoleThatOnlyReadsEndpointSlicesInItsNamespace() throws Exception {
        Host a = harness.host("10.0.0.1");
        harness.create("kube-dns-1", ready(a.ip()));
        java.nio.file.Path kubeconfig = harness.cluster.kubeconfigFor("kubeforward", harness.namespace,
                "get,list,watch:endpointslices.discovery.k8s.io");
        App app = harness.start(Map.of("kubeforward.kubernetes.kubeconfig", kubeconfig.toString()));
        timeUntil(app, List.of(a.hostPort()));
        assertThat(answer(app.client().udp("rbac.cluster.local."))).isEqualTo("10.0.0.1");
        assertThat(app.watcher().status().errors()).isZero();

        String scrape = app.context.getBean(io.micrometer.prometheusmetrics.PrometheusMeterRegistry.class).scrape();
        String docs = java.nio.file.Files.readString(java.nio.file.Path.of("docs/metrics.md"));
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("kubeforward_discovery_")) {
                names.add(line.replaceAll("[{ ].*", ""));
            }
        }
        assertThat(names).hasSizeGreaterThanOrEqualTo(5);
        names.forEach(name -> assertThat(docs).as("docs/metrics.md lists " + name).contains("`" + name + "`"));
        assertThat(scrape).contains("kubeforward_discovery_endpoints{", "condition=\"ready\"");
    }
}
