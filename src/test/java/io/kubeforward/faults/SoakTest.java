package io.kubeforward.faults;

import io.kubeforward.testing.FreePorts;
import static io.kubeforward.discovery.DiscoveryHarness.endpoint;
import static io.kubeforward.discovery.DiscoveryHarness.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubeforward.KubeforwardApplication;
import io.kubeforward.discovery.DiscoveryHarness;
import io.kubeforward.discovery.DiscoveryHarness.Host;
import io.kubeforward.testcluster.KubernetesCluster;
import io.kubeforward.testcluster.RealKubernetesCluster;
import io.kubeforward.testing.TestUpstream.Mode;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Endpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The soak (issue 8, item 5): the application as its own process, steady UDP load, endpoint churn through the real API
 * server and one upstream flapping every second, for {@code -Dkubeforward.soak.minutes} minutes (30 for the record).
 * Every 10 s it forces a full GC in the application ({@code jcmd PID GC.run}) and samples RSS, heap after GC, the
 * clients' outcome and the WARN/ERROR lines logged, into {@code target/soak/samples.csv}. It asserts flat memory (the
 * mean of the last window against the mean of the first window after warm-up; windows are 5 min, or a sixth of a
 * shorter run), no failed query and no error-log storm. Run:
 *
 * <pre>
 * ./mvnw -B test -Dtest=SoakTest -Dkubeforward.soak.minutes=30 [-Dkubeforward.soak.qps=1000] [-Dkubeforward.soak.jvm="-Xmx256m"]
 * </pre>
 */
@RealKubernetesCluster
@EnabledIfSystemProperty(named = "kubeforward.soak.minutes", matches = "\\d+")
class SoakTest {

    private static final int MINUTES = Integer.getInteger("kubeforward.soak.minutes", 0);
    private static final int QPS = Integer.getInteger("kubeforward.soak.qps", 1000);
    private static final String JVM = System.getProperty("kubeforward.soak.jvm", "-Xmx256m");
    private static final Duration SAMPLE = Duration.ofSeconds(10);
    private static final Duration CHURN = Duration.ofSeconds(20);
    private static final Path OUT = Path.of("target", "soak");
    /** A window's mean may exceed the first window's by this share plus a fixed slack. */
    private static final double GROWTH = 0.10;
    private static final long RSS_SLACK = 16L << 20;
    private static final long HEAP_SLACK = 4L << 20;
    /** WARN/ERROR lines per sample above which the log counts as a storm: the error log allows one a second per rule. */
    private static final int LOG_LINES_PER_SAMPLE = 40;

    private final DiscoveryHarness harness;

    SoakTest(KubernetesCluster cluster, ApiClient client) throws Exception {
        this.harness = new DiscoveryHarness(cluster, client);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    record Sample(long elapsedSeconds, long rss, long heapAfterGc, long queries, long failed, double p99Millis, long warnLines,
            long errorLines, int readyEndpoints) {
    }

    @Test
    void steadyLoadWithChurnAndAFlappingUpstreamKeepsMemoryFlat() throws Exception {
        Files.createDirectories(OUT);
        Host flapper = harness.host("10.0.0.1");
        List<Host> hosts = new ArrayList<>();
        for (int i = 2; i <= 5; i++) {
            hosts.add(harness.host("10.0.0." + i));
        }
        Deque<Host> inSlice = new ArrayDeque<>(hosts.subList(0, 2));
        Deque<Host> spare = new ArrayDeque<>(hosts.subList(2, 4));
        harness.create("kube-dns-1", slice(flapper, inSlice, null));
        flapper.dns().flapPeriod(Duration.ofSeconds(1)).mode(Mode.FLAPPING);

        int dnsPort = FreePorts.udpAndTcp();
        int httpPort = FreePorts.udpAndTcp();
        Path log = OUT.resolve("app.log");
        Process app = startApplication(dnsPort, httpPort, log);
        InetSocketAddress dns = new InetSocketAddress(InetAddress.getLoopbackAddress(), dnsPort);
        HttpClient http = HttpClient.newHttpClient();
        URI metrics = URI.create("http://127.0.0.1:" + httpPort + "/actuator/prometheus");
        Path csv = OUT.resolve("samples.csv");
        Files.writeString(csv, "elapsed_s,rss_mb,heap_after_gc_mb,queries,failed,p99_ms,warn_lines,error_lines,ready_endpoints\n");
        List<Sample> samples = new ArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> readyEndpoints(http, metrics) == 3);
            long start = System.nanoTime();
            long end = start + TimeUnit.MINUTES.toNanos(MINUTES);
            long nextChurn = start + CHURN.toNanos();
            long[] logSeen = {0, 0};
            try (QueryLoad load = QueryLoad.start(dns, QPS, "cluster.local.", Duration.ofSeconds(2))) {
                QueryLoad.Window window = load.window("soak-0");
                while (System.nanoTime() < end) {
                    long nextSample = System.nanoTime() + SAMPLE.toNanos();
                    while (System.nanoTime() < nextSample) {
                        if (System.nanoTime() >= nextChurn) {
                            churn(flapper, inSlice, spare);
                            nextChurn += CHURN.toNanos();
                        }
                        Thread.sleep(100);
                    }
                    QueryLoad.Window finished = window;
                    window = load.window("soak-" + (samples.size() + 1));
                    QueryLoad.Result result = load.finish(finished);
                    long[] lines = logLines(log);
                    Sample sample = new Sample((System.nanoTime() - start) / 1_000_000_000L, rss(app.pid()), heapAfterGc(app.pid(), http, metrics),
                            result.queries(), result.failed(), result.p99Millis(), lines[0] - logSeen[0], lines[1] - logSeen[1],
                            readyEndpoints(http, metrics));
                    logSeen = lines;
                    samples.add(sample);
                    Files.writeString(csv, String.format(Locale.ROOT, "%d,%.1f,%.1f,%d,%d,%.1f,%d,%d,%d%n", sample.elapsedSeconds(),
                            sample.rss() / 1048576.0, sample.heapAfterGc() / 1048576.0, sample.queries(), sample.failed(), sample.p99Millis(),
                            sample.warnLines(), sample.errorLines(), sample.readyEndpoints()), StandardOpenOption.APPEND);
                }
                load.finish(window);
            }
        } finally {
            app.destroy();
            app.waitFor(30, TimeUnit.SECONDS);
        }
        verify(samples);
    }

    private void verify(List<Sample> samples) throws IOException {
        int perWindow = (int) Math.max(1, Math.min(TimeUnit.MINUTES.toSeconds(5), MINUTES * 60L / 6) / SAMPLE.toSeconds());
        assertThat(samples).as("samples").hasSizeGreaterThanOrEqualTo(3 * perWindow);
        List<Sample> first = samples.subList(perWindow, 2 * perWindow);
        List<Sample> last = samples.subList(samples.size() - perWindow, samples.size());
        double rssFirst = mean(first, Sample::rss);
        double rssLast = mean(last, Sample::rss);
        double heapFirst = mean(first, Sample::heapAfterGc);
        double heapLast = mean(last, Sample::heapAfterGc);
        long queries = samples.stream().mapToLong(Sample::queries).sum();
        long failed = samples.stream().mapToLong(Sample::failed).sum();
        double worstP99 = samples.stream().mapToDouble(Sample::p99Millis).max().orElse(0);
        long maxLogLines = samples.stream().mapToLong(s -> s.warnLines() + s.errorLines()).max().orElse(0);
        long errorLines = samples.stream().mapToLong(Sample::errorLines).sum();
        String line = String.format(Locale.ROOT, "SOAK %d min at %d qps, churn every %d s, one upstream flapping every 1 s: queries=%d, "
                        + "failed=%d, worst 10-s p99=%.1f ms; RSS %.1f -> %.1f MB, heap after GC %.1f -> %.1f MB (mean of minutes %s vs last %s); "
                        + "WARN+ERROR lines per 10 s at most %d, ERROR lines %d; samples in %s",
                MINUTES, QPS, CHURN.toSeconds(), queries, failed, worstP99, rssFirst / 1048576, rssLast / 1048576, heapFirst / 1048576,
                heapLast / 1048576, window(perWindow, 1), window(perWindow, 0), maxLogLines, errorLines, OUT.resolve("samples.csv"));
        System.out.println(line);
        Files.writeString(OUT.resolve("summary.txt"), line + System.lineSeparator(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        assertThat(failed).as("failed queries").isZero();
        assertThat(rssLast).as("RSS, last window vs first after warm-up").isLessThanOrEqualTo(rssFirst * (1 + GROWTH) + RSS_SLACK);
        assertThat(heapLast).as("heap after GC, last window vs first after warm-up").isLessThanOrEqualTo(heapFirst * (1 + GROWTH) + HEAP_SLACK);
        assertThat(maxLogLines).as("WARN/ERROR lines in the worst 10 s").isLessThanOrEqualTo(LOG_LINES_PER_SAMPLE);
    }

    private static String window(int perWindow, int index) {
        double minutes = perWindow * SAMPLE.toSeconds() / 60.0;
        return index == 0 ? String.format(Locale.ROOT, "%.1f", minutes)
                : String.format(Locale.ROOT, "%.1f-%.1f", minutes * index, minutes * (index + 1));
    }

    private static double mean(List<Sample> samples, java.util.function.ToLongFunction<Sample> value) {
        return samples.stream().mapToLong(value).average().orElse(0);
    }

    /** A rolling update of one pod: a spare joins ready, the oldest leaves as terminating, then leaves the slice. */
    private void churn(Host flapper, Deque<Host> inSlice, Deque<Host> spare) throws Exception {
        Host leaving = inSlice.pollFirst();
        Host joining = spare.pollFirst();
        inSlice.addLast(joining);
        harness.replace("kube-dns-1", slice(flapper, inSlice, leaving));
        Thread.sleep(1000);
        harness.replace("kube-dns-1", slice(flapper, inSlice, null));
        spare.addLast(leaving);
    }

    private static V1Endpoint[] slice(Host flapper, Deque<Host> inSlice, Host terminating) {
        List<V1Endpoint> endpoints = new ArrayList<>();
        endpoints.add(ready(flapper.ip()));
        inSlice.forEach(h -> endpoints.add(ready(h.ip())));
        if (terminating != null) {
            endpoints.add(endpoint(terminating.ip(), false, true, true, null));
        }
        return endpoints.toArray(V1Endpoint[]::new);
    }

    private Process startApplication(int dnsPort, int httpPort, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        command.addAll(Arrays.stream(JVM.split("\\s+")).filter(s -> !s.isBlank()).toList());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), KubeforwardApplication.class.getName(),
                "--server.port=" + httpPort, "--server.address=127.0.0.1",
                "--kubeforward.kubernetes.kubeconfig=" + harness.cluster.kubeconfig(),
                "--kubeforward.servers[0].zones[0]=cluster.local.",
                "--kubeforward.servers[0].port=" + dnsPort,
                "--kubeforward.servers[0].bind[0]=127.0.0.1",
                "--kubeforward.servers[0].errors=true", // as node-local-dns's Corefile: the storm check needs the error log
                "--kubeforward.servers[0].forward.service.namespace=" + harness.namespace,
                "--kubeforward.servers[0].forward.service.name=" + DiscoveryHarness.SERVICE,
                "--kubeforward.servers[0].forward.service.port-name=dns",
                "--kubeforward.servers[0].forward.health-check.interval=500ms",
                "--kubeforward.servers[0].forward.read-timeout=2s"));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }


    private static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    /** Forces a full GC in the application, then reads its heap use from the Prometheus endpoint. */
    private static long heapAfterGc(long pid, HttpClient http, URI metrics) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process gc = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!gc.waitFor(30, TimeUnit.SECONDS) || gc.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + pid + " GC.run failed");
        }
        return (long) sum(http, metrics, "jvm_memory_used_bytes{", "area=\"heap\"");
    }

    private static int readyEndpoints(HttpClient http, URI metrics) throws Exception {
        return (int) sum(http, metrics, "kubeforward_discovery_endpoints{", "condition=\"ready\"");
    }

    private static double sum(HttpClient http, URI metrics, String prefix, String label) throws Exception {
        String body = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
        return body.lines().filter(l -> l.startsWith(prefix) && l.contains(label))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** WARN and ERROR lines in the application's log so far. */
    private static long[] logLines(Path log) throws IOException {
        long warn = 0;
        long error = 0;
        for (String line : Files.readAllLines(log)) {
            if (line.contains(" WARN ")) {
                warn++;
            } else if (line.contains(" ERROR ")) {
                error++;
            }
        }
        return new long[] {warn, error};
    }
}
