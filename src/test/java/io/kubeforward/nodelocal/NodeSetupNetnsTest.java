package io.kubeforward.nodelocal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kubeforward.KubeforwardApplication;
import io.kubeforward.dns.DnsMessages;
import io.kubeforward.testcluster.NetnsTestHost;
import io.kubeforward.testing.DnsTestClient;
import io.kubeforward.testing.Peers;
import io.kubeforward.testing.TestUpstream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;

/**
 * Node setup for real, as root, inside a network namespace the test creates (never the host's own tables):
 * the application runs as its own process in that namespace, as on a node, with an upstream beside it.
 */
class NodeSetupNetnsTest {

    private static final String LOCAL_IP = "169.254.20.10";

    private NetnsTestHost node;
    private TestUpstream upstream;
    private Process app;
    @TempDir
    Path dir;

    @BeforeEach
    void node() throws Exception {
        assumeTrue(NetnsTestHost.unsupportedReason().isEmpty(), () -> NetnsTestHost.unsupportedReason().orElse(""));
        Peers.require("iptables", "iptables");
        node = NetnsTestHost.create();
        upstream = node.insideNamespace(() -> new TestUpstream(InetAddress.getLoopbackAddress(), 0, InetAddress.getByName("10.0.0.1")));
    }

    @AfterEach
    void clean() throws Exception {
        if (app != null && app.isAlive()) {
            app.destroyForcibly().waitFor();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (node != null) {
            node.close();
        }
    }

    private Process start(boolean skipTeardown) throws Exception {
        return start(skipTeardown, "1s", List.of(), "app.log");
    }

    /**
     * @param capabilities empty: as root with every capability; else only these (setpriv: bounding set, nothing
     *                     inheritable, no new privileges), as the container runtime gives them to the chart's container
     */
    private Process start(boolean skipTeardown, String syncInterval, List<String> capabilities, String logFile) throws Exception {
        return new ProcessBuilder(startCommand(skipTeardown, syncInterval, capabilities)).redirectErrorStream(true)
                .redirectOutput(dir.resolve(logFile).toFile()).start();
    }

    private List<String> startCommand(boolean skipTeardown) {
        return startCommand(skipTeardown, "1s", List.of());
    }

    private List<String> startCommand(boolean skipTeardown, String syncInterval, List<String> capabilities) {
        return startCommand(skipTeardown, syncInterval, capabilities, List.of());
    }

    /** @param extra more application arguments (later ones win) */
    private List<String> startCommand(boolean skipTeardown, String syncInterval, List<String> capabilities, List<String> extra) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", node.namespace()));
        if (!capabilities.isEmpty()) {
            command.addAll(List.of("setpriv", "--inh-caps=-all", "--no-new-privs", "--bounding-set=-all,"
                    + String.join(",", capabilities.stream().map(c -> "+" + c.toLowerCase(Locale.ROOT)).toList())));
        }
        command.addAll(List.of(java,
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                KubeforwardApplication.class.getName(),
                "--server.port=18080", "--server.address=127.0.0.1",
                "--kubeforward.servers[0].zones[0]=.", "--kubeforward.servers[0].port=53",
                "--kubeforward.servers[0].bind[0]=" + LOCAL_IP,
                "--kubeforward.servers[0].forward.to[0]=127.0.0.1:" + upstream.port(),
                "--kubeforward.node-setup.enabled=true", "--kubeforward.node-setup.sync-interval=" + syncInterval,
                "--kubeforward.node-setup.health-port=18080",
                "--kubeforward.node-setup.skip-teardown=" + skipTeardown));
        command.addAll(extra);
        return command;
    }

    /** A second instance on the same DNS and management ports (SO_REUSEPORT), as a surge pod; returns once it serves. */
    private Process startSuccessor() throws Exception {
        Process successor = new ProcessBuilder(startCommand(false)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("successor.log").toFile()).start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> Files.readString(dir.resolve("successor.log")).contains("rules for"));
        return successor;
    }

    /** The capabilities the chart adds for the container (values.yaml, securityContext.capabilities.add). */
    @SuppressWarnings("unchecked")
    private static List<String> chartCapabilities() throws Exception {
        Map<String, Object> values = new org.yaml.snakeyaml.Yaml().load(Files.readString(Path.of("charts/kubeforward/values.yaml")));
        Map<String, Object> security = (Map<String, Object>) values.get("securityContext");
        Map<String, Object> capabilities = (Map<String, Object>) security.get("capabilities");
        assertThat((List<String>) capabilities.get("drop")).containsExactly("ALL");
        return (List<String>) capabilities.get("add");
    }

    private long ourRules(String save) {
        return inside(save).lines().filter(l -> l.contains(NotrackRules.COMMENT)).count();
    }

    private String inside(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", node.namespace()));
        full.addAll(List.of(command));
        return new Commands().run(full).output();
    }

    private String rules() {
        return inside("iptables-nft-save");
    }

    /** Our rules, each once: two instances starting side by side may both add a shared rule. */
    private static java.util.List<String> distinctOwnRules(String rules) {
        return rules.lines().filter(l -> l.contains(NotrackRules.COMMENT)).distinct().toList();
    }

    private boolean interfaceHoldsLocalIp() {
        return inside("ip", "-o", "addr", "show", "dev", "nodelocaldns").contains(" " + LOCAL_IP + "/32");
    }

    private String answerFromInside() throws Exception {
        Message reply = node.insideNamespace(() -> new DnsTestClient(new InetSocketAddress(LOCAL_IP, 53), Duration.ofSeconds(2))
                .udp("node.example."));
        return ((ARecord) reply.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress();
    }

    private String log() throws Exception {
        return Files.readString(dir.resolve("app.log"));
    }

    @Test
    void interfaceAndRulesFollowTheServerAndAreRepairedAndRemovedOnSigterm() throws Exception {
        app = start(false);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> "10.0.0.1".equals(answerFromInside()) && log().contains("rules for"));
        String log = log();
        assertThat(log.indexOf("Serving DNS on " + LOCAL_IP + ":53")).as("listener serves before rules are added")
                .isGreaterThanOrEqualTo(0).isLessThan(log.indexOf("NOTRACK/ACCEPT rules for"));
        assertThat(interfaceHoldsLocalIp()).isTrue();
        String rules = rules();
        assertThat(rules).contains("-A PREROUTING -d " + LOCAL_IP + "/32 -p udp -m udp --dport 53 -m comment --comment \""
                + NotrackRules.COMMENT + "\" -j NOTRACK");
        assertThat(rules.lines().filter(l -> l.contains(NotrackRules.COMMENT)).count()).isEqualTo(13);

        // Deleted by hand: the interface comes back at once (the kernel tells), the rule at the next re-check.
        inside("iptables", "-t", "raw", "-D", "PREROUTING", "-d", LOCAL_IP + "/32", "-p", "udp", "-m", "udp", "--dport", "53",
                "-m", "comment", "--comment", NotrackRules.COMMENT, "-j", "NOTRACK");
        inside("ip", "link", "del", "nodelocaldns");
        // Not a count of 11 here: the 1 s re-check may already have run between the deletion and the count. Its log line
        // says it found the deleted rule missing.
        await().atMost(Duration.ofSeconds(10)).until(() -> interfaceHoldsLocalIp()
                && rules().lines().filter(l -> l.contains(NotrackRules.COMMENT)).count() == 13
                && log().contains("1 NOTRACK/ACCEPT rules were missing; added again"));
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> "10.0.0.1".equals(answerFromInside()));

        app.destroy(); // SIGTERM
        assertThat(app.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(rules()).doesNotContain(NotrackRules.COMMENT);
        assertThat(inside("ip", "link", "show", "dev", "nodelocaldns")).contains("does not exist");
    }

    /**
     * Killed (no teardown runs), the interface and rules stay, and a query to the local IP gets no ICMP port-unreachable:
     * it times out, so a stub resolver retries after its timeout, by when the kubelet has restarted the process, instead
     * of failing at once and failing its immediate retry too. Without that rule the same query is refused.
     */
    @Test
    void aKilledProcessLeavesQueriesToTimeOutNotRefused() throws Exception {
        app = start(false);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> "10.0.0.1".equals(answerFromInside()) && log().contains("rules for"));
        app.destroyForcibly(); // SIGKILL
        assertThat(app.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(interfaceHoldsLocalIp()).isTrue();
        assertThat(rules()).contains("-A OUTPUT -s " + LOCAL_IP + "/32 -p icmp -m icmp --icmp-type 3/3 -m comment --comment \""
                + NotrackRules.COMMENT + "\" -j DROP");
        assertThat(queryFromInside()).isEqualTo("timed out");

        inside("iptables", "-D", "OUTPUT", "-s", LOCAL_IP + "/32", "-p", "icmp", "-m", "icmp", "--icmp-type", "port-unreachable",
                "-m", "comment", "--comment", NotrackRules.COMMENT, "-j", "DROP");
        assertThat(queryFromInside()).as("the same query without the rule").isEqualTo("refused");
    }

    /** One UDP query to the local IP on a connected socket, which reports an ICMP port-unreachable as an exception. */
    private String queryFromInside() throws Exception {
        byte[] query = DnsMessages.probeQuery(".", false);
        return node.insideNamespace(() -> queryOnce(query, Duration.ofMillis(1500)));
    }

    /** On the calling thread, which must be inside the namespace: answered, refused, timed out, or no route (yet). */
    private static String queryOnce(byte[] query, Duration timeout) throws java.io.IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(new InetSocketAddress(LOCAL_IP, 53));
            socket.setSoTimeout((int) timeout.toMillis());
            socket.send(new DatagramPacket(query, query.length));
            socket.receive(new DatagramPacket(new byte[512], 512));
            return "answered";
        } catch (PortUnreachableException e) {
            return "refused";
        } catch (SocketTimeoutException e) {
            return "timed out";
        } catch (java.net.SocketException e) {
            return "no route";
        }
    }

    /**
     * A node without the interface (rebooted, or the first start): no query sent while the process starts is refused.
     * Between the interface's creation and the listeners' bind its IP is local but nobody listens there, and the
     * kernel's ICMP port-unreachable would fail such a query and the stub's immediate retry with it (after a reboot in
     * the node scenarios: a few queries failed after the retry). A probe inside the namespace sends a query every
     * 20 ms or so from before the start until one is answered and counts how each ended.
     */
    @Test
    void aStartOnANodeWithoutTheInterfaceRefusesNoQuery() throws Exception {
        Map<String, Integer> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
        byte[] query = DnsMessages.probeQuery(".", false);
        java.util.concurrent.FutureTask<Boolean> probe = new java.util.concurrent.FutureTask<>(
                () -> node.insideNamespace(() -> {
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (System.nanoTime() < deadline) {
                        String outcome = queryOnce(query, Duration.ofMillis(20));
                        outcomes.merge(outcome, 1, Integer::sum);
                        if (outcome.equals("answered")) {
                            return true;
                        }
                        if (!outcome.equals("timed out")) {
                            Thread.sleep(1);
                        }
                    }
                    return false;
                }));
        Thread.ofPlatform().daemon().name("probe").start(probe);
        await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.containsKey("no route"));
        app = start(false);

        assertThat(probe.get(90, TimeUnit.SECONDS)).as("answered within 60 s; outcomes %s", outcomes).isTrue();
        assertThat(outcomes).as("how the queries sent during the start ended").doesNotContainKey("refused");
        assertThat(log()).contains("ICMP port-unreachable from [" + LOCAL_IP + "] dropped before the interface is made (1 added)");
    }

    /**
     * The listeners open before the actuator's HTTP server binds (static upstreams: DnsStartup); when that bind then fails,
     * the start fails and leaves neither the interface nor a listener behind.
     */
    @Test
    void aStartThatFailsAfterTheListenersOpenedRemovesTheInterface() throws Exception {
        try (java.net.ServerSocket managementPortTaken = node.insideNamespace(
                () -> new java.net.ServerSocket(18080, 1, InetAddress.getLoopbackAddress()))) {
            app = start(false);
            assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(app.exitValue()).isNotZero();
            String log = log();
            assertThat(log).contains("Serving DNS on " + LOCAL_IP + ":53").contains("Removed the NOTRACK rules and interface")
                    .contains("cannot listen on the management port (server.port) 127.0.0.1:18080");
            assertThat(log.indexOf("Serving DNS on")).as("listeners opened before the start failed")
                    .isLessThan(log.indexOf("APPLICATION FAILED TO START"));
            assertThat(inside("ip", "link", "show", "dev", "nodelocaldns")).contains("does not exist");
            assertThat(rules()).doesNotContain(NotrackRules.COMMENT);
        }
    }

    @Test
    void anOldInstanceStoppingBesideItsSuccessorLeavesTheNodeSetupToIt() throws Exception {
        app = start(false);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> log().contains("rules for"));
        Process successor = startSuccessor();
        try {
            app.destroy();
            assertThat(app.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(log()).contains("Another instance answers on [" + LOCAL_IP + "]");
            assertThat(interfaceHoldsLocalIp()).isTrue();
            String rules = rules();
            assertThat(distinctOwnRules(rules).size())
                    .as("rules:%n%s%nold instance:%n%s%nsuccessor:%n%s", rules, log(), Files.readString(dir.resolve("successor.log")))
                    .isEqualTo(13);
            assertThat(answerFromInside()).isEqualTo("10.0.0.1");
            successor.destroy();
            assertThat(successor.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(rules()).doesNotContain(NotrackRules.COMMENT);
        } finally {
            successor.destroyForcibly();
        }
    }

    /** A surge pod whose configuration dropped an address (the kube-dns IP, when a takeover is turned off). */
    @Test
    void anOldInstanceRemovesWhatItsSuccessorDoesNotServe() throws Exception {
        String second = "169.254.20.11";
        List<String> both = List.of("--kubeforward.servers[0].bind[1]=" + second, "--kubeforward.node-setup.local-ips=" + LOCAL_IP + "," + second);
        app = new ProcessBuilder(startCommand(false, "1s", List.of(), both)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("app.log").toFile()).start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> log().contains("rules for"));
        assertThat(inside("ip", "-o", "addr", "show", "dev", "nodelocaldns")).contains(" " + second + "/32");
        assertThat(rules().lines().filter(l -> l.contains(NotrackRules.COMMENT)).count()).isEqualTo(26);
        Process successor = startSuccessor();
        try {
            app.destroy();
            assertThat(app.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(log()).contains("removed [" + second + "], which nobody serves now");
            assertThat(interfaceHoldsLocalIp()).isTrue();
            assertThat(inside("ip", "-o", "addr", "show", "dev", "nodelocaldns")).doesNotContain(second);
            // Distinct: the successor and the old instance add the shared rules concurrently at the successor's start,
            // so a rule may be listed twice (a teardown deletes every copy, NotrackRules: up to 10; tested above).
            String rules = rules();
            assertThat(distinctOwnRules(rules))
                    .as("rules:%n%s%nold instance:%n%s", rules, log()).hasSize(13).noneMatch(l -> l.contains(second));
            assertThat(answerFromInside()).isEqualTo("10.0.0.1");
        } finally {
            successor.destroy();
            successor.waitFor(30, TimeUnit.SECONDS);
            successor.destroyForcibly();
        }
    }

    @Test
    void skipTeardownLeavesInterfaceAndRules() throws Exception {
        app = start(true);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> log().contains("rules for"));
        app.destroy();
        assertThat(app.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(interfaceHoldsLocalIp()).isTrue();
        assertThat(rules().lines().filter(l -> l.contains(NotrackRules.COMMENT)).count()).isEqualTo(13);
    }

    @Test
    void anInterfaceDeletedByAnotherProcessIsBackAtOnceNotAtTheNextSync() throws Exception {
        // A sync interval far longer than the test: only the kernel's notification can bring it back in time.
        app = start(false, "10m", List.of(), "app.log");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> "10.0.0.1".equals(answerFromInside()) && log().contains("rules for"));
        // As node-local-dns's teardown does when it leaves a node that kubeforward already serves.
        inside("ip", "link", "del", "nodelocaldns");
        long deleted = System.nanoTime();
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10)).until(this::interfaceHoldsLocalIp);
        System.out.printf("[measure] interface deleted by another process: back after %d ms%n", (System.nanoTime() - deleted) / 1_000_000);
        await().atMost(Duration.ofSeconds(2)).ignoreExceptions().until(() -> "10.0.0.1".equals(answerFromInside()));
        assertThat(log()).contains("Interface nodelocaldns was deleted or changed by another process; repaired");

        app.destroy();
        assertThat(app.waitFor(30, TimeUnit.SECONDS)).isTrue();
        // Our own teardown is not "repaired".
        assertThat(inside("ip", "link", "show", "dev", "nodelocaldns")).contains("does not exist");
    }

    /** The node's rules live in one backend; ours must land there, with only the capabilities the chart grants. */
    @ParameterizedTest
    @ValueSource(strings = {"nft", "legacy"})
    void theChartsCapabilitiesSufficeOnEitherIptablesBackend(String backend) throws Exception {
        Peers.require("iptables", "iptables-legacy-save");
        if (backend.equals("legacy")) {
            // Stands for kube-proxy's rules on a node that uses iptables-legacy.
            inside("iptables-legacy", "-A", "INPUT", "-m", "comment", "--comment", "kube-proxy stand-in", "-j", "ACCEPT");
        }
        app = start(false, "1s", chartCapabilities(), "app.log");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> "10.0.0.1".equals(answerFromInside()) && log().contains("rules for"));
        assertThat(log()).contains("iptables backend: iptables-" + backend).doesNotContain("iptables-legacy-save failed");
        String other = backend.equals("nft") ? "legacy" : "nft";
        assertThat(ourRules("iptables-" + backend + "-save")).isEqualTo(13);
        assertThat(ourRules("iptables-" + other + "-save")).isZero();

        app.destroy();
        assertThat(app.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(ourRules("iptables-" + backend + "-save")).isZero();
        assertThat(inside("ip", "link", "show", "dev", "nodelocaldns")).contains("does not exist");
    }

    @Test
    void withoutNetRawTheLegacyTablesCannotBeReadAndTheLogSaysSo() throws Exception {
        Peers.require("iptables", "iptables-legacy-save");
        inside("iptables-legacy", "-A", "INPUT", "-m", "comment", "--comment", "kube-proxy stand-in", "-j", "ACCEPT");
        List<String> withoutRaw = chartCapabilities().stream().filter(c -> !c.equals("NET_RAW")).toList();
        app = start(false, "1s", withoutRaw, "app.log");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> log().contains("rules for"));
        assertThat(log()).contains("iptables-legacy-save failed").contains("give the container CAP_NET_RAW");
    }
}
