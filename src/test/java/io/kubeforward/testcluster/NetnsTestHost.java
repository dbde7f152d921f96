package io.kubeforward.testcluster;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A test host with addresses of its own: a network namespace created for the test, joined to this machine by a
 * veth pair. The API server refuses loopback addresses in EndpointSlices (see docs/testing.md), so upstream DNS
 * servers that a test publishes in an EndpointSlice listen on a test host instead.
 *
 * <p>Addresses come from the benchmarking ranges (198.18.0.0/15, RFC 2544; 2001:2::/48, RFC 5180), one /30 and
 * one /64 per host: the host is {@code .2} / {@code ::2}, this machine's end of the pair {@code .1} / {@code ::1}.
 * Nothing else on the machine changes: the only interface added outside the namespace is this host's veth end,
 * and deleting the namespace removes the pair with its routes.
 *
 * <p>Servers get into the host two ways: {@link #exec} runs a process inside it, and {@link #insideNamespace} runs
 * code on a thread that has joined the namespace, so sockets it opens (a {@code DatagramChannel}, a Netty channel
 * whose {@code bind} it calls) belong to the host for their whole life, while the rest of the JVM stays outside.
 * Needs root and {@code ip} (iproute2); {@link #unsupportedReason()} says when a test should skip.
 */
public final class NetnsTestHost implements AutoCloseable {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);
    private static final String HOST_INTERFACE = "eth0";

    private final String namespace;
    private final String outsideInterface;
    private final InetAddress address;
    private final InetAddress ipv6Address;
    private final InetAddress peerAddress;
    private final InetAddress ipv6PeerAddress;
    private final List<Process> processes = new CopyOnWriteArrayList<>();

    private NetnsTestHost(String namespace, String outsideInterface, int subnet) {
        this.namespace = namespace;
        this.outsideInterface = outsideInterface;
        this.address = inet("198.%d.%d.%d".formatted(18 + (subnet >> 14), (subnet >> 6) & 0xff, ((subnet & 0x3f) << 2) + 2));
        this.peerAddress = inet("198.%d.%d.%d".formatted(18 + (subnet >> 14), (subnet >> 6) & 0xff, ((subnet & 0x3f) << 2) + 1));
        this.ipv6Address = inet("2001:2:0:%x::2".formatted(subnet));
        this.ipv6PeerAddress = inet("2001:2:0:%x::1".formatted(subnet));
    }

    /** Why test hosts cannot be made here, or empty when they can. */
    public static Optional<String> unsupportedReason() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("network-namespace test hosts need root");
        }
        if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))
                && !Files.isExecutable(Path.of("/usr/bin/ip"))) {
            return Optional.of("network-namespace test hosts need `ip` (Debian package iproute2)");
        }
        return Optional.empty();
    }

    /** Creates a host with a fresh namespace, a veth pair and its addresses; close it to remove all of it. */
    public static NetnsTestHost create() {
        // Random /30 and /64: other JVMs (or a killed earlier run) may hold some; a clash fails loudly on `ip addr add`.
        // 198.19.240.0/20 is the test node's (test-cluster/node/node.bash: node IP, pods, services): never used here.
        int subnet = ThreadLocalRandom.current().nextInt((1 << 14) + (240 << 6));
        String id = Integer.toString(subnet, 36) + Long.toString(ProcessHandle.current().pid() % 1296, 36);
        NetnsTestHost host = new NetnsTestHost("kubeforward-" + id, "kfh" + id, subnet);
        try {
            host.setUp();
            return host;
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
    }

    private void setUp() {
        String inside = "kfn" + outsideInterface.substring(3);
        ip("netns", "add", namespace);
        ip("link", "add", outsideInterface, "type", "veth", "peer", "name", inside);
        ip("link", "set", inside, "netns", namespace);
        ip("-n", namespace, "link", "set", inside, "name", HOST_INTERFACE);
        ip("-n", namespace, "link", "set", "lo", "up");
        // Keep the IPv6 address while the link is down, so reconnect() needs no re-adding.
        run(List.of("ip", "netns", "exec", namespace, "sh", "-c",
                "echo 1 > /proc/sys/net/ipv6/conf/" + HOST_INTERFACE + "/keep_addr_on_down"));
        ip("-n", namespace, "addr", "add", address.getHostAddress() + "/30", "dev", HOST_INTERFACE);
        ip("-n", namespace, "addr", "add", ipv6Address.getHostAddress() + "/64", "dev", HOST_INTERFACE, "nodad");
        ip("-n", namespace, "link", "set", HOST_INTERFACE, "up");
        ip("addr", "add", peerAddress.getHostAddress() + "/30", "dev", outsideInterface);
        ip("addr", "add", ipv6PeerAddress.getHostAddress() + "/64", "dev", outsideInterface, "nodad");
        ip("link", "set", outsideInterface, "up");
    }

    /** The network namespace's name ({@code ip netns exec NAME ...}). */
    public String namespace() {
        return namespace;
    }

    /** The host's IPv4 address: what a test puts in an EndpointSlice and where a server inside the host listens. */
    public InetAddress address() {
        return address;
    }

    /** The host's IPv6 address. */
    public InetAddress ipv6Address() {
        return ipv6Address;
    }

    /** This machine's end of the link, the source address the host sees for traffic from the test JVM. */
    public InetAddress peerAddress() {
        return peerAddress;
    }

    /** This machine's end of the link over IPv6. */
    public InetAddress ipv6PeerAddress() {
        return ipv6PeerAddress;
    }

    /** Starts {@code command} inside the host; the process is destroyed when the host is closed. */
    public Process exec(List<String> command, ProcessBuilder.Redirect output) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(command);
        try {
            Process process = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(output).start();
            processes.add(process);
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("starting " + full, e);
        }
    }

    /**
     * Runs {@code action} on a new thread that has joined the host's network namespace and waits for it. Sockets
     * it creates stay in the host after the thread ends; the calling thread never changes namespace.
     */
    public <T> T insideNamespace(Callable<T> action) throws Exception {
        requireNonNull(action, "action");
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                NetworkNamespaces.join(Path.of("/run/netns", namespace));
                result.set(action.call());
            } catch (Exception e) {
                failure.set(e);
            }
        }, "netns-" + namespace);
        thread.start();
        thread.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }

    /**
     * Takes the host's link down: packets to it go unanswered, as with a host that stopped. Once neighbour
     * discovery gives up (about 3 s) a connected sender may also see "no route to host".
     */
    public void disconnect() {
        ip("-n", namespace, "link", "set", HOST_INTERFACE, "down");
    }

    /**
     * Brings the host's link back up. The neighbour entries are flushed first: the kernel queues a few packets
     * while it resolves the unreachable host, and a host coming back must not receive what was sent to it while
     * it was gone.
     */
    public void reconnect() {
        ip("neigh", "flush", "dev", outsideInterface);
        ip("-n", namespace, "link", "set", HOST_INTERFACE, "up");
    }

    /**
     * Drops every IPv4 packet arriving at the host ({@code iptables -I INPUT -j DROP} inside its namespace): nothing
     * answers and no ICMP error comes back, as with a host behind a blackholing firewall. The link stays up, unlike
     * {@link #disconnect()}, so senders never see "no route to host". Needs {@code iptables}.
     */
    public void dropInbound() {
        run(List.of("ip", "netns", "exec", namespace, "iptables", "-w", "-I", "INPUT", "1", "-j", "DROP"));
    }

    /** Undoes {@link #dropInbound()}. */
    public void acceptInbound() {
        run(List.of("ip", "netns", "exec", namespace, "iptables", "-w", "-D", "INPUT", "-j", "DROP"));
    }

    /** Undoes every {@link #dropInbound()} still in place; does nothing if there is none. */
    public void acceptInboundIfDropped() {
        while (runCommand(List.of("ip", "netns", "exec", namespace, "iptables", "-w", "-C", "INPUT", "-j", "DROP")).isEmpty()) {
            acceptInbound();
        }
    }

    /** Destroys the host's processes and deletes the namespace, which removes the veth pair and its routes. */
    @Override
    public void close() {
        for (Process process : processes) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        runQuietly(List.of("ip", "netns", "del", namespace));
        runQuietly(List.of("ip", "link", "del", outsideInterface));
    }

    @Override
    public String toString() {
        return "NetnsTestHost[" + namespace + ", " + address.getHostAddress() + ", " + ipv6Address.getHostAddress() + "]";
    }

    private static void ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        run(command);
    }

    private static void runQuietly(List<String> command) {
        try {
            runCommand(command);
        } catch (RuntimeException ignored) {
            // closing: the thing may already be gone
        }
    }

    private static void run(List<String> command) {
        String output = runCommand(command);
        if (!output.isEmpty()) {
            throw new IllegalStateException(command + " failed: " + output);
        }
    }

    /** Returns "" on success, otherwise the exit code and output. */
    private static String runCommand(List<String> command) {
        try {
            Path output = Files.createTempFile("netns-", ".out");
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
                if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    return "timed out after " + COMMAND_TIMEOUT;
                }
                return process.exitValue() == 0 ? "" : "exit " + process.exitValue() + ": " + Files.readString(output).strip();
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("running " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    private static InetAddress inet(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
