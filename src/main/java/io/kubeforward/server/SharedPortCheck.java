package io.kubeforward.server;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Tells whether another process listens on one of our DNS addresses. Every listener binds with SO_REUSEPORT (so a
 * second instance can start beside the first during an upgrade), and so does CoreDNS: node-local-dns, or another
 * DNS server of the same user, can bind the same address and port without an error, and the kernel then splits the
 * queries between the two without a word. We count the sockets bound to exactly that address and port in
 * {@code /proc/net/{udp,udp6,tcp,tcp6}} (the network namespace's, so with hostNetwork the node's) and compare with
 * ours.
 */
final class SharedPortCheck {

    private static final String TCP_LISTEN = "0A";
    /** The first three words of {@code ::ffff:0:0/96} as the kernel prints them. */
    private static final String MAPPED_PREFIX = "0000000000000000FFFF0000";

    private final Path procNet;

    SharedPortCheck(Path procNet) {
        this.procNet = procNet;
    }

    static SharedPortCheck ofThisHost() {
        return new SharedPortCheck(Path.of("/proc/net"));
    }

    /** One line per listener that another process shares, empty when none does (or when /proc cannot be read). */
    List<String> sharedListeners(List<BoundListener> listeners) {
        List<String> shared = new ArrayList<>();
        for (BoundListener listener : listeners) {
            InetSocketAddress address = listener.address();
            long udp;
            long tcp;
            if (address.getAddress() instanceof Inet4Address) {
                // An IPv4 address is bound by AF_INET sockets (Go's, CoreDNS's) and by AF_INET6 ones as ::ffff:a.b.c.d
                // (the JDK's and Netty's, so ours): the kernel lists them in different files.
                String plain = procAddress(address);
                String mapped = MAPPED_PREFIX + plain;
                udp = count("udp", plain, null) + count("udp6", mapped, null);
                tcp = count("tcp", plain, TCP_LISTEN) + count("tcp6", mapped, TCP_LISTEN);
            } else {
                String local = procAddress(address);
                udp = count("udp6", local, null);
                tcp = count("tcp6", local, TCP_LISTEN);
            }
            long otherUdp = udp - listener.udpSockets();
            long otherTcp = tcp - 1;
            if (otherUdp > 0 || otherTcp > 0) {
                shared.add("%s is shared: %d other UDP and %d other TCP sockets are bound to it too (SO_REUSEPORT), so the kernel "
                        .formatted(hostPort(address), Math.max(0, otherUdp), Math.max(0, otherTcp))
                        + "splits the queries between them; expected while another kubeforward pod is being replaced, not "
                        + "otherwise (node-local-dns or another DNS server on this node?)");
            }
        }
        return shared;
    }

    /** Sockets in FILE whose local address is LOCAL (and whose state is STATE, if given); 0 when unreadable. */
    private long count(String file, String local, String state) {
        try {
            return Files.readAllLines(procNet.resolve(file)).stream().skip(1).map(String::trim).map(line -> line.split("\\s+"))
                    .filter(fields -> fields.length > 3 && fields[1].equalsIgnoreCase(local) && (state == null || fields[3].equals(state)))
                    .count();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The kernel's text for an address: each 32-bit word of the address in host (little-endian) order, then the port. */
    static String procAddress(InetSocketAddress address) {
        byte[] bytes = address.getAddress().getAddress();
        StringBuilder hex = new StringBuilder();
        for (int word = 0; word < bytes.length; word += 4) {
            for (int i = word + 3; i >= word; i--) {
                hex.append(HexFormat.of().withUpperCase().toHexDigits(bytes[i]));
            }
        }
        return hex + ":" + String.format(Locale.ROOT, "%04X", address.getPort());
    }

    private static String hostPort(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
