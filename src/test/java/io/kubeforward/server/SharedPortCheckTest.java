package io.kubeforward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Another process on our DNS address and port is reported, by what the kernel lists in /proc/net. */
class SharedPortCheckTest {

    @Test
    void theKernelsAddressTextIsLittleEndianPerWord() throws Exception {
        assertThat(SharedPortCheck.procAddress(new InetSocketAddress(InetAddress.getByName("169.254.20.10"), 53)))
                .isEqualTo("0A14FEA9:0035");
        assertThat(SharedPortCheck.procAddress(new InetSocketAddress(InetAddress.getByName("fd00::a"), 53)))
                .isEqualTo("000000FD00000000000000000A000000:0035");
    }

    @Test
    void socketsOfOthersOnTheSameAddressAndPortAreReported(@TempDir Path proc) throws Exception {
        String header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
        // Ours: 2 UDP sockets and a TCP listener on 169.254.20.10:53; someone else's: 1 UDP and 1 TCP listener.
        // Ours are AF_INET6 sockets bound to ::ffff:169.254.20.10 (udp6/tcp6); CoreDNS's are AF_INET ones (udp/tcp).
        String mapped = "0000000000000000FFFF00000A14FEA9:0035 00000000000000000000000000000000:0000";
        Files.writeString(proc.resolve("udp6"), header
                + ("   1: " + mapped + " 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0\n").repeat(2));
        Files.writeString(proc.resolve("tcp6"), header
                + "   1: " + mapped + " 0A 00000000:00000000 00:00000000 00000000     0        0 1 2 0\n");
        Files.writeString(proc.resolve("udp"), header
                + "   1: 0A14FEA9:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0\n"
                + "   2: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0\n");
        Files.writeString(proc.resolve("tcp"), header
                + "   1: 0A14FEA9:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 2 0\n"
                + "   2: 0A14FEA9:0035 0B14FEA9:C000 01 00000000:00000000 00:00000000 00000000     0        0 1 2 0\n");
        BoundListener ours = new BoundListener(new InetSocketAddress(InetAddress.getByName("169.254.20.10"), 53), 2, List.of("."));
        assertThat(new SharedPortCheck(proc).sharedListeners(List.of(ours))).singleElement().asString()
                .startsWith("169.254.20.10:53 is shared: 1 other UDP and 1 other TCP sockets");

        Files.writeString(proc.resolve("udp"), header);
        Files.writeString(proc.resolve("tcp"), header
                + "   2: 0A14FEA9:0035 0B14FEA9:C000 01 00000000:00000000 00:00000000 00000000     0        0 1 2 0\n");
        assertThat(new SharedPortCheck(proc).sharedListeners(List.of(ours))).as("ours alone (and a connection)").isEmpty();
    }

    /** Against this machine's real /proc/net: a second pair of sockets on a loopback port we hold is seen. */
    @Test
    void onThisMachineASecondBinderIsSeen() throws Exception {
        try (DatagramChannel first = DatagramChannel.open().setOption(StandardSocketOptions.SO_REUSEPORT, true)
                        .bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
                ServerSocketChannel listener = ServerSocketChannel.open()) {
            int port = ((InetSocketAddress) first.getLocalAddress()).getPort();
            listener.setOption(StandardSocketOptions.SO_REUSEPORT, true).bind(new InetSocketAddress("127.0.0.1", port));
            BoundListener ours = new BoundListener(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 1, List.of("."));
            assertThat(SharedPortCheck.ofThisHost().sharedListeners(List.of(ours))).isEmpty();
            try (DatagramChannel other = DatagramChannel.open().setOption(StandardSocketOptions.SO_REUSEPORT, true)
                    .bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port))) {
                assertThat(SharedPortCheck.ofThisHost().sharedListeners(List.of(ours))).singleElement().asString()
                        .contains("1 other UDP and 0 other TCP");
            }
        }
    }
}
