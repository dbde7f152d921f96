package io.kubeforward.server;

import static io.kubeforward.testing.ForwardingFixture.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeforward.testing.DnsTestClient;
import io.kubeforward.testing.ForwardingFixture;
import io.kubeforward.testing.TestUpstream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;

/** DNS is served only on the bind addresses: the same port on another local address answers nothing. */
class BindAddressesTest {

    @Test
    void answersOnItsBindAddressAndNowhereElse() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = ForwardingFixture.start(options().build(), upstream)) {
            InetSocketAddress bound = fixture.address();
            assertThat(bound.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
            assertThat(fixture.client().udp("bound.example.").getRcode()).isEqualTo(Rcode.NOERROR);
            // 127.0.0.2 is local too (all of 127/8 is on lo), but nothing was bound there.
            InetSocketAddress other = new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 2}), bound.getPort());
            DnsTestClient client = new DnsTestClient(other, Duration.ofMillis(500));
            boolean answered;
            try {
                answered = client.udpAnswers(DnsTestClient.query("other.example.", 1).toWire());
            } catch (java.net.PortUnreachableException e) {
                answered = false;
            }
            assertThat(answered).as("UDP answer from 127.0.0.2").isFalse();
            assertThatThrownBy(() -> {
                try (Socket socket = new Socket()) {
                    socket.connect(other, 2000);
                }
            }).isInstanceOf(ConnectException.class);
            assertThat(upstream.queries()).isEqualTo(1);
        }
    }
}
