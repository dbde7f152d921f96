package io.kubeforward.testcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Tag("cluster")
class NetnsTestHostTest {

    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(2);

    private NetnsTestHost host;

    @BeforeEach
    void createHost() {
        NetnsTestHost.unsupportedReason().ifPresent(reason -> {
            if (Boolean.parseBoolean(System.getenv(KubernetesClusterExtension.REQUIRE_ENV))) {
                throw new IllegalStateException(reason + " (" + KubernetesClusterExtension.REQUIRE_ENV + "=true)");
            }
            Assumptions.abort(reason);
        });
        host = NetnsTestHost.create();
    }

    @AfterEach
    void closeHost() {
        if (host != null) {
            host.close();
        }
    }

    @ParameterizedTest(name = "IPv6 {0}")
    @ValueSource(booleans = {false, true})
    void aSocketOpenedInsideTheHostAnswersOnTheHostsAddress(boolean ipv6) throws Exception {
        InetAddress address = ipv6 ? host.ipv6Address() : host.address();
        try (DatagramChannel server = host.insideNamespace(() -> DatagramChannel.open().bind(new InetSocketAddress(address, 5353)));
             DatagramSocket client = new DatagramSocket()) {
            Thread echo = Thread.ofPlatform().start(() -> echoOnce(server));

            String reply = exchange(client, new InetSocketAddress(address, 5353), "ping");

            assertThat(reply).isEqualTo("ping from " + (ipv6 ? host.ipv6PeerAddress() : host.peerAddress()).getHostAddress());
            echo.join(REPLY_TIMEOUT.toMillis());
        }
    }

    @Test
    void theHostsAddressIsNotOnThisMachine() throws Exception {
        try (DatagramChannel outside = DatagramChannel.open()) {
            assertThatThrownBy(() -> outside.bind(new InetSocketAddress(host.address(), 5353)))
                    .as("only the namespace has the host's address")
                    .hasMessageContaining("Cannot assign requested address");
        }
    }

    @Test
    void aDisconnectedHostDropsPackets() throws Exception {
        try (DatagramChannel server = host.insideNamespace(() -> DatagramChannel.open().bind(new InetSocketAddress(host.address(), 5353)));
             DatagramSocket client = new DatagramSocket()) {
            Thread echo = Thread.ofPlatform().start(() -> echoOnce(server));
            InetSocketAddress target = new InetSocketAddress(host.address(), 5353);
            assertThat(exchange(client, target, "first")).startsWith("first");
            echo.join(REPLY_TIMEOUT.toMillis());

            host.disconnect();
            Thread.ofPlatform().start(() -> echoOnce(server));
            assertThatThrownBy(() -> exchange(client, target, "lost")).isInstanceOf(SocketTimeoutException.class);

            host.reconnect();
            assertThat(exchange(client, target, "again")).startsWith("again");
        }
    }

    @Test
    void execRunsAProcessInsideTheHost() throws Exception {
        Process process = host.exec(java.util.List.of("ip", "-brief", "address", "show", "eth0"),
                ProcessBuilder.Redirect.PIPE);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(process.waitFor()).isZero();
        assertThat(output).contains(host.address().getHostAddress() + "/30");
    }

    private static String exchange(DatagramSocket client, InetSocketAddress target, String text) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        client.setSoTimeout((int) REPLY_TIMEOUT.toMillis());
        client.send(new DatagramPacket(bytes, bytes.length, target));
        DatagramPacket reply = new DatagramPacket(new byte[512], 512);
        client.receive(reply);
        return new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8);
    }

    /** Answers one datagram with its text plus the sender's address, as the host saw it. */
    private static void echoOnce(DatagramChannel server) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(512);
            InetSocketAddress sender = (InetSocketAddress) server.receive(buffer);
            buffer.flip();
            String text = StandardCharsets.UTF_8.decode(buffer) + " from " + sender.getAddress().getHostAddress();
            server.send(StandardCharsets.UTF_8.encode(text), sender);
        } catch (java.io.IOException closed) {
            // the test is over
        }
    }
}
