package io.kubeforward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeforward.testing.DnsTestClient;
import io.kubeforward.testing.FreePorts;
import io.kubeforward.testing.TestUpstream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.xbill.DNS.Rcode;

/**
 * With static upstreams (or a snapshot, or a fallback) the listeners open while the context is still being created,
 * before the actuator's HTTP server binds ({@link DnsStartup}); a start that then fails must not leave them open.
 */
class DnsStartupTest {

    @Test
    void listenersAnswerBeforeTheHttpServerBindsAndCloseWhenItCannot() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.7"); ServerSocket managementPortTaken = new ServerSocket(0)) {
            int dnsPort = FreePorts.udpAndTcp();
            InetAddress loopback = InetAddress.getLoopbackAddress();
            AtomicInteger answered = new AtomicInteger();
            AtomicBoolean probing = new AtomicBoolean(true);
            Thread probe = new Thread(() -> {
                DnsTestClient client = new DnsTestClient(new InetSocketAddress(loopback, dnsPort), Duration.ofMillis(20));
                while (probing.get()) {
                    try {
                        if (client.udp("early.example.").getRcode() == Rcode.NOERROR) {
                            answered.incrementAndGet();
                        }
                    } catch (Exception notYetOrNoMore) {
                        // refused or timed out: the listeners are not open (yet, or any more)
                    }
                }
            });
            probe.start();
            try {
                assertThatThrownBy(() -> new SpringApplicationBuilder(KubeforwardApplication.class).run(
                        "--server.port=" + managementPortTaken.getLocalPort(),
                        "--kubeforward.servers[0].zones[0]=.",
                        "--kubeforward.servers[0].port=" + dnsPort,
                        "--kubeforward.servers[0].bind[0]=" + loopback.getHostAddress(),
                        "--kubeforward.servers[0].forward.to[0]=127.0.0.1:" + upstream.port()))
                        .isInstanceOf(RuntimeException.class);
            } finally {
                probing.set(false);
                probe.join();
            }
            assertThat(answered.get()).as("answers before the HTTP server's bind failed").isPositive();
            // Closed again: the address binds without SO_REUSEPORT, over UDP and TCP.
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, dnsPort));
                    ServerSocket tcp = new ServerSocket(dnsPort, 1, loopback)) {
                assertThat(udp.isBound() && tcp.isBound()).isTrue();
            }
        }
    }
}
