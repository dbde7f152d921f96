package io.kubeforward.scale;

import io.kubeforward.discovery.KubeProxyStyleNode;
import io.kubeforward.discovery.KubeforwardNode;
import io.kubeforward.scale.Options.Kind;
import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kind of simulated node at one N, through every scenario: a fresh API server and its figures with 0 watchers,
 * N nodes started, steady state, a network cut, rolling replacements of kube-dns, an API server killed and one
 * restarted gracefully; then the nodes are closed.
 */
final class Phase {

    private static final Logger log = LoggerFactory.getLogger(Phase.class);
    private static final Duration SYNC_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration RECOVERY_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration LATE_REQUESTS = Duration.ofSeconds(3);
    private static final Duration RSS_EVERY = Duration.ofSeconds(5);

    private final Options options;
    private final LoopbackCluster cluster;
    private final ApiServerMetrics metrics;
    private final DnsSliceWriter writer;
    private final Kind kind;
    private final int n;
    private final Duration steadyLength;
    private final RequestLog requests = new RequestLog();
    private final NodeClients clients;
    private final FanOut fanOut;
    private final List<SimulatedNode> nodes = new ArrayList<>();
    private final List<ApiClient> nodeClients = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private ApiServerMetrics.Snapshot fresh;

    Phase(Options options, LoopbackCluster cluster, ApiClient admin, DnsSliceWriter writer, Kind kind, int n,
            java.nio.file.Path kubeconfig, String serviceAccount, Duration steadyLength) {
        this.options = options;
        this.cluster = cluster;
        this.metrics = new ApiServerMetrics(admin);
        this.writer = writer;
        this.kind = kind;
        this.n = n;
        this.steadyLength = steadyLength;
        this.clients = new NodeClients(kubeconfig, admin, DnsSliceWriter.NAMESPACE, serviceAccount, requests);
        this.fanOut = new FanOut(n, 16 + options.churnRounds() * 6);
    }

    Results.Phase run() throws Exception {
        log.info("{} x {}: fresh API server", n, kind.label);
        freshApiServer();
        Results.Window baseline = options.scenarios().contains("steady") ? measure(options.baseline()) : null;
        Results.Startup startup = startNodes();
        Results.Steady steady = null;
        Results.Churn churn = null;
        Results.Recovery blip = null;
        Results.Recovery kill = null;
        Results.Recovery graceful = null;
        try {
            sleep(options.settle());
            if (baseline != null) {
                log.info("{} x {}: steady state for {}", n, kind.label, steadyLength);
                steady = steady(baseline, measure(steadyLength));
            }
            // Before the churn: the nodes' last kube-dns event is then minutes old, so only bookmarks keep a resume possible.
            if (options.scenarios().contains("blip")) {
                log.info("{} x {}: connections cut", n, kind.label);
                blip = blip();
            }
            if (options.scenarios().contains("churn")) {
                log.info("{} x {}: {} rolling replacements of kube-dns", n, kind.label, options.churnRounds());
                churn = churn();
            }
            if (options.scenarios().contains("restart-kill")) {
                log.info("{} x {}: API server killed and started", n, kind.label);
                kill = restart("restart-kill", false);
            }
            if (options.scenarios().contains("restart-graceful")) {
                log.info("{} x {}: API server restarted gracefully", n, kind.label);
                graceful = restart("restart-graceful", true);
            }
        } finally {
            closeNodes();
        }
        if (kind == Kind.KUBEFORWARD) {
            expectKubeforwardBehaviour(steady, blip, kill, graceful);
        }
        return new Results.Phase(kind.label, n, startup, steady, churn, blip, kill, graceful, List.copyOf(problems));
    }

    /**
     * What kubeforward's discovery promises at any scale (docs/kubernetes.md), checked on every run so that the smoke
     * fails when it breaks: no LIST in steady state, none after a cut connection (resumed from the bookmark's version),
     * and relists after a restart that ask for "not older than" the last version (served from the watch cache).
     */
    private void expectKubeforwardBehaviour(Results.Steady steady, Results.Recovery blip, Results.Recovery kill,
            Results.Recovery graceful) {
        if (steady != null && steady.nodes().clientLists() > 0) {
            problems.add("steady: " + steady.nodes().clientLists() + " LISTs (expected none: watches are resumed)");
        }
        if (blip != null && blip.lists() > 0) {
            problems.add("blip: " + blip.lists() + " LISTs after the cut (expected none: resumed from the last version)");
        }
        for (Results.Recovery r : Stream.of(kill, graceful).filter(Objects::nonNull).toList()) {
            r.listResourceVersions().keySet().stream().filter(k -> !k.startsWith("N ")).forEach(k ->
                    problems.add(r.scenario() + ": LISTs with resourceVersion " + k + " (expected only \"not older than N\")"));
        }
    }

    /** A new API server process, so memory and counters start from the same place for every phase. */
    private void freshApiServer() {
        cluster.killApiServer();
        cluster.startApiServer();
        sleep(options.settle());
        fresh = metrics.scrape();
    }

    private Results.Startup startNodes() throws Exception {
        long start = System.nanoTime();
        long interval = (long) (1e9 / options.startRate());
        for (int i = 0; i < n; i++) {
            ApiClient client = clients.create(i);
            nodeClients.add(client);
            SimulatedNode node = kind == Kind.KUBEFORWARD
                    ? new KubeforwardNode(i, client, DnsSliceWriter.NAMESPACE, DnsSliceWriter.SERVICE, fanOut)
                    : new KubeProxyStyleNode(i, client, DnsSliceWriter.NAMESPACE, DnsSliceWriter.SERVICE, fanOut);
            nodes.add(node);
            node.start();
            long wait = start + (i + 1) * interval - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }
        long deadline = System.nanoTime() + SYNC_TIMEOUT.toNanos();
        long unsynced;
        while ((unsynced = nodes.stream().filter(node -> !node.synced()).count()) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (unsynced > 0) {
            throw new IllegalStateException(unsynced + " of " + n + " " + kind.label + " nodes not synced within "
                    + SYNC_TIMEOUT + " of the last start (see the log)");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        List<RequestLog.Entry> all = requests.since(start, e -> true);
        return new Results.Startup(seconds, all.stream().filter(e -> e.list() && e.code() == 200).count(),
                all.stream().filter(e -> e.code() == RequestLog.FAILED || e.code() >= 400).count());
    }

    private Results.Steady steady(Results.Window base, Results.Window with) {
        double hours = with.seconds() / 3600;
        double serverLists = rate(with, "LIST") - rate(base, "LIST");
        double serverWatches = rate(with, "WATCH") - rate(base, "WATCH");
        return new Results.Steady(base, with, with.clientLists() / hours / n, with.clientWatches() / hours / n,
                serverLists * 3600 / n, serverWatches * 3600 / n);
    }

    /** Requests of {@code verb} per second in the window, all codes. */
    private static double rate(Results.Window window, String verb) {
        return window.serverRequests().entrySet().stream().filter(e -> e.getKey().startsWith(verb + " "))
                .mapToDouble(Map.Entry::getValue).sum() / window.seconds();
    }

    private Results.Recovery blip() throws Exception {
        Sample before = sample();
        long event = System.nanoTime();
        int cut = sockets("-K");
        int marker = writer.marker(fanOut, "after the cut");
        int missing = fanOut.await(marker, RECOVERY_TIMEOUT);
        sleep(LATE_REQUESTS);
        return recovery("blip", before, sample(), event, event, 0, cut, marker, missing, false);
    }

    private Results.Churn churn() throws Exception {
        Sample before = sample();
        List<Integer> versions = new ArrayList<>();
        int writes = 0;
        for (int round = 1; round <= options.churnRounds(); round++) {
            versions.addAll(writer.rollingReplacement(fanOut, round, options.writePause()));
            writes += 12;
        }
        int missing = versions.isEmpty() ? 0 : fanOut.await(versions.getLast(), RECOVERY_TIMEOUT);
        for (int v : versions) {
            int m = fanOut.missing(v);
            if (m > 0) {
                problems.add("churn: " + m + " nodes never applied version " + v);
            }
        }
        Sample after = sample();
        Results.Window window = window(before, after, List.of());
        return new Results.Churn(options.churnRounds(), versions.size(), writes, Stats.latency(fanOut.latenciesMillis(versions)),
                missing, window, window.clientLists());
    }

    private Results.Recovery restart(String scenario, boolean graceful) throws Exception {
        Sample before = sample();
        long event = System.nanoTime();
        double shutdown = 0;
        if (graceful) {
            cluster.terminateApiServer();
            shutdown = (System.nanoTime() - event) / 1e9;
        } else {
            cluster.killApiServer();
        }
        cluster.startApiServer();
        long ready = System.nanoTime();
        int marker = writer.marker(fanOut, "after " + scenario);
        int missing = fanOut.await(marker, RECOVERY_TIMEOUT);
        sleep(LATE_REQUESTS);
        return recovery(scenario, before, sample(), event, ready, shutdown, 0, marker, missing, true);
    }

    private Results.Recovery recovery(String scenario, Sample before, Sample after, long event, long ready, double shutdown,
            int cut, int marker, int missing, boolean restarted) {
        List<RequestLog.Entry> entries = requests.since(event, e -> e.answeredNanos() <= after.nanos);
        List<RequestLog.Entry> lists = filter(entries, e -> e.list() && e.code() == 200);
        int[] perSecond = Stats.perSecond(lists.stream().map(RequestLog.Entry::answeredNanos).toList(), event);
        Map<String, Long> byVersion = new TreeMap<>();
        for (RequestLog.Entry e : lists) {
            byVersion.merge(resourceVersionKind(e.resourceVersion()), 1L, Long::sum);
        }
        double watchingAgain = watchingAgain(entries, event, scenario);
        if (missing > 0) {
            problems.add(scenario + ": " + missing + " nodes never applied the change written after it");
        }
        ApiServerMetrics.Snapshot since = restarted ? fresh : before.metrics;
        double openWatches = after.metrics.sum("apiserver_longrunning_requests", Map.of("verb", "WATCH"));
        if (openWatches < n) {
            problems.add(scenario + ": only " + (long) openWatches + " watches open at the API server for " + n + " nodes");
        }
        long caughtUp = fanOut.lastAppliedNanos(marker);
        return new Results.Recovery(scenario, cut, (ready - event) / 1e9 - shutdown, shutdown,
                caughtUp == 0 ? Double.NaN : (caughtUp - event) / 1e9, watchingAgain,
                Stats.latency(fanOut.latenciesMillis(List.of(marker))), missing, lists.size(),
                filter(entries, e -> e.watch() && e.code() == 200).size(),
                filter(entries, e -> e.code() == RequestLog.FAILED).size(), filter(entries, e -> e.code() == 429).size(),
                Stats.max(perSecond), perSecond, byVersion,
                delta(after.metrics, since, "apiserver_request_total", Map.of("verb", "LIST")),
                delta(after.metrics, since, "apiserver_cache_list_total", Map.of()),
                delta(after.metrics, since, "apiserver_storage_list_total", Map.of()),
                delta(after.metrics, since, "apiserver_watch_cache_consistent_read_total", Map.of()), openWatches);
    }

    /**
     * From the event to the moment the last node had a watch open again: its first watch sent after its last LIST (or
     * after the event, if it did not list). A watch that the server ends at once with 410 Gone is followed by a LIST,
     * so it does not count.
     */
    private double watchingAgain(List<RequestLog.Entry> entries, long event, String scenario) {
        long[] lastList = new long[n];
        long[] watching = new long[n];
        for (RequestLog.Entry e : entries) {
            if (e.list() && e.code() == 200) {
                lastList[e.node()] = Math.max(lastList[e.node()], e.answeredNanos());
            }
        }
        for (RequestLog.Entry e : entries) {
            long after = Math.max(event, lastList[e.node()]);
            if (e.watch() && e.code() == 200 && e.sentNanos() >= after && watching[e.node()] == 0) {
                watching[e.node()] = e.answeredNanos();
            }
        }
        long last = event;
        int notWatching = 0;
        for (long at : watching) {
            if (at == 0) {
                notWatching++;
            }
            last = Math.max(last, at);
        }
        if (notWatching > 0) {
            problems.add(scenario + ": " + notWatching + " nodes opened no watch after it");
        }
        return (last - event) / 1e9;
    }

    private static String resourceVersionKind(String rv) {
        return rv.isEmpty() ? "\"\" (consistent read)" : rv.equals("0") ? "0 (any, from the cache)" : "N (not older than N)";
    }

    private static double delta(ApiServerMetrics.Snapshot after, ApiServerMetrics.Snapshot before, String name, Map<String, String> match) {
        return after.sum(name, match) - before.sum(name, match);
    }

    private static List<RequestLog.Entry> filter(List<RequestLog.Entry> entries, Predicate<RequestLog.Entry> p) {
        return entries.stream().filter(p).toList();
    }

    private void closeNodes() {
        nodes.forEach(SimulatedNode::close);
        nodeClients.forEach(NodeClients::shutDown);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int left;
        while ((left = sockets()) > 0 && System.nanoTime() < deadline) {
            sleep(Duration.ofMillis(200));
        }
        if (left > 0) {
            problems.add(left + " node connections still open 30 s after closing the nodes");
        }
        if (requests.dropped() > 0) {
            problems.add("request log full: " + requests.dropped() + " requests not recorded");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // measurements

    /** Process figures and the API server's counters at one moment. */
    private record Sample(long nanos, double apiCpu, double etcdCpu, double selfCpu, ApiServerMetrics.Snapshot metrics) {
    }

    private Sample sample() {
        ApiServerMetrics.Snapshot snapshot = metrics.scrape();
        return new Sample(System.nanoTime(), ProcessStats.cpuSeconds(cluster.apiServerPid()), ProcessStats.cpuSeconds(cluster.etcdPid()),
                ProcessStats.cpuSeconds(ProcessHandle.current().pid()), snapshot);
    }

    private Results.Window measure(Duration length) {
        Sample before = sample();
        List<double[]> rss = new ArrayList<>();
        long end = before.nanos + length.toNanos();
        while (System.nanoTime() < end) {
            rss.add(new double[] {ProcessStats.rssMiB(cluster.apiServerPid()), ProcessStats.rssMiB(cluster.etcdPid())});
            sleep(Duration.ofNanos(Math.max(0, Math.min(RSS_EVERY.toNanos(), end - System.nanoTime()))));
        }
        return window(before, sample(), rss);
    }

    private Results.Window window(Sample before, Sample after, List<double[]> rss) {
        double seconds = (after.nanos - before.nanos) / 1e9;
        Map<String, Double> requestsByVerb = new HashMap<>(after.metrics.endpointSliceRequests());
        before.metrics.endpointSliceRequests().forEach((k, v) -> requestsByVerb.merge(k, -v, Double::sum));
        requestsByVerb.values().removeIf(v -> v == 0);
        List<RequestLog.Entry> entries = requests.since(before.nanos, e -> e.answeredNanos() <= after.nanos && e.code() == 200);
        double apiRss = rss.isEmpty() ? ProcessStats.rssMiB(cluster.apiServerPid()) : rss.stream().mapToDouble(r -> r[0]).average().orElseThrow();
        double etcdRss = rss.isEmpty() ? ProcessStats.rssMiB(cluster.etcdPid()) : rss.stream().mapToDouble(r -> r[1]).average().orElseThrow();
        return new Results.Window(seconds, (after.apiCpu - before.apiCpu) / seconds, (after.etcdCpu - before.etcdCpu) / seconds,
                (after.selfCpu - before.selfCpu) / seconds, apiRss, etcdRss, new TreeMap<>(requestsByVerb),
                entries.stream().filter(RequestLog.Entry::list).count(), entries.stream().filter(RequestLog.Entry::watch).count(),
                after.metrics.sum("apiserver_longrunning_requests", Map.of("verb", "WATCH")), sockets());
    }

    /** Counts (or with {@code -K} closes) the simulated nodes' established TCP connections to the API server. */
    private int sockets(String... extra) {
        List<String> command = new ArrayList<>(List.of("ss"));
        command.addAll(List.of(extra));
        command.addAll(List.of("-Htn", "state", "established", "src", NodeClients.NODE_SOURCE.getHostAddress(),
                "dport", "=", ":" + cluster.apiServerPort()));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.getErrorStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed");
            }
            return (int) out.lines().filter(line -> !line.isBlank()).count();
        } catch (IOException e) {
            throw new UncheckedIOException("running ss (iproute2)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
