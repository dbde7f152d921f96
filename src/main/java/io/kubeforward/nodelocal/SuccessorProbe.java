package io.kubeforward.nodelocal;

import io.kubeforward.dns.DnsMessages;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.ArrayList;

/**
 * Asks, once our own listeners are closed, on which local IPs some other process still answers DNS: during a surge
 * upgrade the new instance binds alongside the old one (SO_REUSEPORT), and the old one must not remove the interface
 * and rules the new one is serving on, but must remove what the new one does not serve (an address a changed
 * configuration dropped, such as the kube-dns IP after a takeover is turned off).
 */
final class SuccessorProbe {

    private final Duration timeout;

    SuccessorProbe(Duration timeout) {
        this.timeout = timeout;
    }

    /** The local IPs on which something answers (in the order given). */
    List<String> answeringAddresses(List<String> localIps, int port) {
        byte[] query = DnsMessages.probeQuery(".", false);
        List<String> answering = new ArrayList<>();
        for (String ip : localIps) {
            try (DatagramSocket socket = new DatagramSocket()) {
                socket.setSoTimeout((int) timeout.toMillis());
                socket.send(new DatagramPacket(query, query.length, new InetSocketAddress(InetAddress.getByName(ip), port)));
                socket.receive(new DatagramPacket(new byte[512], 512));
                answering.add(ip);
            } catch (IOException | RuntimeException nobody) {
                // timeout, unreachable or refused: nobody serves there
            }
        }
        return answering;
    }
}
