package io.kubeforward.nodelocal;

import io.kubeforward.dns.DnsMessages;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Asks, once our own listeners are closed, whether some other process still answers DNS on a local IP: during a
 * surge upgrade the new instance binds alongside the old one (SO_REUSEPORT), and the old one must not remove
 * the interface and rules the new one is serving on.
 */
final class SuccessorProbe {

    private final Duration timeout;

    SuccessorProbe(Duration timeout) {
        this.timeout = timeout;
    }

    /** The first local IP on which something answers, if any. */
    Optional<String> answeringAddress(List<String> localIps, int port) {
        byte[] query = DnsMessages.probeQuery(".", false);
        for (String ip : localIps) {
            try (DatagramSocket socket = new DatagramSocket()) {
                socket.setSoTimeout((int) timeout.toMillis());
                socket.send(new DatagramPacket(query, query.length, new InetSocketAddress(InetAddress.getByName(ip), port)));
                socket.receive(new DatagramPacket(new byte[512], 512));
                return Optional.of(ip);
            } catch (IOException | RuntimeException nobody) {
                // timeout, unreachable or refused: nobody serves there
            }
        }
        return Optional.empty();
    }
}
