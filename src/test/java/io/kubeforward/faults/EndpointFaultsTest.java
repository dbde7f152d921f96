package io.kubeforward.faults;

import static io.kubeforward.discovery.DiscoveryHarness.endpoint;
import static io.kubeforward.discovery.DiscoveryHarness.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubeforward.discovery.DiscoveryHarness;
import io.kubeforward.discovery.DiscoveryHarness.App;
import io.kubeforward.discovery.DiscoveryHarness.Host;
import io.kubeforward.discovery.WatchStatus;
import io.kubeforward.testcluster.KubernetesCluster;
import io.kubeforward.testcluster.RealKubernetesCluster;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Endpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.awaitility.core.ThrowingRunnable;

/**
 * Upstream endpoints change through the real API server while clients query: a rolling replacement of every
 * CoreDNS pod, the API server killed in the middle of an update, etcd restarted. The application runs with
 * CoreDNS's default forward options; upstream DNS servers run on network-namespace hosts (the API server refuses
 * loopback endpoints). The promise: no client query fails, and the pool ends up as the EndpointSlices say.
 */
@RealKubernetesCluster
class EndpointFaultsTest {

    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration OUTAGE = FaultReport.duration(Duration.ofSeconds(4), Duration.ofSeconds(60));
    private static final Map<String, String> COREDNS_DEFAULTS = Map.of(
            "kubeforward.servers[0].forward.health-check.interval", "500ms",
            "kubeforward.servers[0].forward.read-timeout", "2s");

    private final DiscoveryHarness harness;
    private final KubernetesCluster cluster;

    EndpointFaultsTest(KubernetesCluster cluster, ApiClient client) throws Exception {
        this.cluster = cluster;
        this.harness = new DiscoveryHarness(cluster, client);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    /** Counts how often the pool was seen empty while load runs. */
    private static final class PoolWatch implements AutoCloseable {
        final AtomicInteger emptySeen = new AtomicInteger();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        PoolWatch(App app) {
            thread = new Thread(() -> {
                while (running.get()) {
                    if (app.pool().isEmpty()) {
                        emptySeen.incrementAndGet();
                    }
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "pool-watch");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(5_000);
        }
    }

    /**
     * Every one of three endpoints is replaced as a Deployment's rolling update does it (maxSurge 1): a new pod becomes
     * ready, the old one turns terminating (still serving, out of rotation), stops answering, and leaves the slice.
     */
    @Test
    void rollingReplacementOfEveryUpstreamAtTwoThousandQpsFailsNoQuery() throws Exception {
        List<Host> old = List.of(harness.host("10.0.0.1"), harness.host("10.0.0.2"), harness.host("10.0.0.3"));
        harness.create("kube-dns-1", old.stream().map(h -> ready(h.ip())).toArray(V1Endpoint[]::new));
        App app = harness.start(COREDNS_DEFAULTS);
        await().atMost(Duration.ofSeconds(10)).until(() -> app.pool().size() == 3);
        // The new pods' hosts exist before the load starts (making one forks a dozen `ip` commands); they join the slice later.
        List<Host> replacements = List.of(harness.host("10.0.1.1"), harness.host("10.0.1.2"), harness.host("10.0.1.3"));
        int rollouts = FaultReport.LONG ? 12 : 1; // the long run rolls back and forth between the two sets for about a minute
        try (QueryLoad load = QueryLoad.start(app.dns(), 2000, "cluster.local.", CLIENT_TIMEOUT);
                PoolWatch watch = new PoolWatch(app)) {
            Thread.sleep(2000); // the application has just started: its JIT warms up
            QueryLoad.Window steady = load.window("steady");
            Thread.sleep(1000);
            QueryLoad.Window window = load.window("rolling-replacement-3-of-3");
            QueryLoad.Result before = load.finish(steady);
            long started = System.nanoTime();
            List<Host> from = old;
            List<Host> to = replacements;
            for (int rollout = 0; rollout < rollouts; rollout++) {
                rollOut(app, from, to);
                List<Host> swap = from;
                from = to;
                to = swap;
            }
            long rolledMillis = (System.nanoTime() - started) / 1_000_000;
            Thread.sleep(500);
            QueryLoad.Result result = load.finish(window);
            FaultReport.line(result, "%d rollout(s) of 3 endpoints, one by one (new ready, old terminating, old gone, old removed), in %d ms; "
                    .formatted(rollouts, rolledMillis) + "pool seen empty %d times; the 1 s before: failed=%d, p50=%.1f ms, p99=%.1f ms"
                    .formatted(watch.emptySeen.get(), before.failed(), before.p50Millis(), before.p99Millis()));
            assertThat(result.failed()).as("failed queries").isZero();
            assertThat(result.qps()).isGreaterThan(1900);
            assertThat(watch.emptySeen.get()).isZero();
            assertThat(app.pool()).containsExactlyInAnyOrderElementsOf(from.stream().map(Host::hostPort).toList());
        }
    }

    /** Replaces every host of {@code from} (all in the slice) by one of {@code to}, as a Deployment's rolling update with maxSurge 1. */
    private void rollOut(App app, List<Host> from, List<Host> to) throws Exception {
        List<Host> current = new ArrayList<>(from);
        for (int i = 0; i < from.size(); i++) {
            Host leaving = from.get(i);
            Host fresh = to.get(i);
            fresh.netns().acceptInboundIfDropped();
            current.add(fresh);
            harness.replace("kube-dns-1", slice(current, Set.of()));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> app.pool().contains(fresh.hostPort()));
            harness.replace("kube-dns-1", slice(current, Set.of(leaving)));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> !app.pool().contains(leaving.hostPort()));
            Thread.sleep(500); // CoreDNS's lameduck: the terminating pod still answers what reaches it
            leaving.netns().dropInbound(); // the pod is gone: its address answers nothing
            current.remove(leaving);
            harness.replace("kube-dns-1", slice(current, Set.of()));
            await().atMost(Duration.ofSeconds(10)).until(() -> app.watcher().current().endpoints().size() == current.size());
        }
    }

    /**
     * The API server is SIGKILLed right after an update was written (whether the watch delivered it is a race), stays
     * away for a while, and comes back; then a second update. Answers never stop, and the pool converges on the slices.
     */
    @Test
    void apiServerKilledMidUpdateKeepsAnsweringAndConvergesAfter() throws Exception {
        Host a = harness.host("10.0.0.1");
        Host b = harness.host("10.0.0.2");
        Host c = harness.host("10.0.0.3");
        harness.create("kube-dns-1", ready(a.ip()), ready(b.ip()), ready(c.ip()));
        App app = harness.start(COREDNS_DEFAULTS);
        await().atMost(Duration.ofSeconds(10)).until(() -> app.pool().size() == 3);
        Host d = harness.host("10.0.0.4");
        Host e = harness.host("10.0.0.5");
        long convergedMillis;
        try (QueryLoad load = QueryLoad.start(app.dns(), 1000, "cluster.local.", CLIENT_TIMEOUT);
                PoolWatch watch = new PoolWatch(app)) {
            Thread.sleep(1000);
            QueryLoad.Window window = load.window("apiserver-killed-mid-update");
            harness.replace("kube-dns-1", ready(b.ip()), ready(c.ip()), ready(d.ip()), terminating(a.ip()));
            cluster.stopApiServer();
            try {
                Thread.sleep(OUTAGE.toMillis());
            } finally {
                cluster.startApiServer();
            }
            long restarted = System.nanoTime();
            retrying(() -> harness.replace("kube-dns-1", ready(c.ip()), ready(d.ip()), ready(e.ip())));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> Set.copyOf(app.pool()).equals(Set.of(c.hostPort(), d.hostPort(), e.hostPort())));
            convergedMillis = (System.nanoTime() - restarted) / 1_000_000;
            QueryLoad.Result result = load.finish(window);
            FaultReport.line(result, "API server down %d s right after an update; converged %d ms after it was back; pool seen empty %d times"
                    .formatted(OUTAGE.toSeconds(), convergedMillis, watch.emptySeen.get()));
            assertThat(result.failed()).as("failed queries").isZero();
            assertThat(watch.emptySeen.get()).isZero();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> app.watcher().status().state() == WatchStatus.State.WATCHING);
    }

    /** etcd stops (the API server stays up but cannot read or write) and starts again; then an update. */
    @Test
    void etcdRestartKeepsAnsweringAndConvergesAfter() throws Exception {
        Host a = harness.host("10.0.0.1");
        Host b = harness.host("10.0.0.2");
        harness.create("kube-dns-1", ready(a.ip()), ready(b.ip()));
        App app = harness.start(COREDNS_DEFAULTS);
        await().atMost(Duration.ofSeconds(10)).until(() -> app.pool().size() == 2);
        Host c = harness.host("10.0.0.3");
        try (QueryLoad load = QueryLoad.start(app.dns(), 1000, "cluster.local.", CLIENT_TIMEOUT);
                PoolWatch watch = new PoolWatch(app)) {
            Thread.sleep(1000);
            QueryLoad.Window window = load.window("etcd-restart");
            cluster.stopEtcd();
            try {
                Thread.sleep(OUTAGE.toMillis());
            } finally {
                cluster.startEtcd();
            }
            long restarted = System.nanoTime();
            retrying(() -> harness.replace("kube-dns-1", ready(b.ip()), ready(c.ip())));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> Set.copyOf(app.pool()).equals(Set.of(b.hostPort(), c.hostPort())));
            long convergedMillis = (System.nanoTime() - restarted) / 1_000_000;
            QueryLoad.Result result = load.finish(window);
            FaultReport.line(result, "etcd down %d s; an update after it was back applied %d ms after the restart; pool seen empty %d times"
                    .formatted(OUTAGE.toSeconds(), convergedMillis, watch.emptySeen.get()));
            assertThat(result.failed()).as("failed queries").isZero();
            assertThat(watch.emptySeen.get()).isZero();
        }
    }

    private static V1Endpoint terminating(String ip) {
        return endpoint(ip, false, true, true, null);
    }

    private static V1Endpoint[] slice(List<Host> hosts, Set<Host> terminating) {
        return hosts.stream().map(h -> terminating.contains(h) ? terminating(h.ip()) : ready(h.ip())).toArray(V1Endpoint[]::new);
    }

    /** The API server answers 5xx or refuses connections for a moment after a restart: retry the write. */
    private static void retrying(ThrowingRunnable write) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(write);
    }
}
