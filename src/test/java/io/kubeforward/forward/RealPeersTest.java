package io.kubeforward.forward;

import static io.kubeforward.testing.ForwardingFixture.options;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.config.Transport;
import io.kubeforward.config.UpstreamAddress;
import io.kubeforward.testing.Dig;
import io.kubeforward.testing.ForwardingFixture;
import io.kubeforward.testing.UnboundServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Real programs on both sides: unbound (Debian) as the upstream, dig as the client. */
class RealPeersTest {

    @Test
    void digThroughKubeforwardToUnboundOverUdpAndTcp() throws Exception {
        try (UnboundServer unbound = UnboundServer.start("10.9.9.9");
                ForwardingFixture fixture = ForwardingFixture.start(options().build(), Duration.ofSeconds(5),
                        List.of(new UpstreamAddress(Transport.DNS, unbound.address(), "", "static")))) {
            assertThat(Dig.query(fixture.address(), "www.example.test.", "A", false)).containsExactly("10.9.9.9");
            assertThat(Dig.query(fixture.address(), "www.example.test.", "A", true)).containsExactly("10.9.9.9");
        }
    }

    @Test
    void dnsOverTlsToUnboundVerifiesTheServerName() throws Exception {
        try (UnboundServer unbound = UnboundServer.startTls("10.9.9.7", "dns.example.test");
                ForwardingFixture fixture = ForwardingFixture.start(
                        options().tls(unbound.certificate(), "dns.example.test").build(), Duration.ofSeconds(5),
                        List.of(new UpstreamAddress(Transport.TLS, unbound.address(), "dns.example.test", "static")))) {
            assertThat(Dig.query(fixture.address(), "www.example.test.", "A", false)).containsExactly("10.9.9.7");
            assertThat(Dig.query(fixture.address(), "www.example.test.", "A", true)).containsExactly("10.9.9.7");
            for (int i = 0; i < 3; i++) {
                Dig.query(fixture.address(), "www.example.test.", "A", false);
            }
            // Each event loop pools its own connections; five queries over two loops reuse at least one.
            assertThat(fixture.registry().get("kubeforward.proxy.conn.cache.hits").tag("proto", "tls").counter().count())
                    .as("pooled TLS connections are reused").isGreaterThanOrEqualTo(1);
        }
        try (UnboundServer unbound = UnboundServer.startTls("10.9.9.7", "dns.example.test");
                ForwardingFixture fixture = ForwardingFixture.start(
                        options().tls(unbound.certificate(), "wrong.example.test").readTimeout(Duration.ofMillis(500)).build(),
                        Duration.ofSeconds(1),
                        List.of(new UpstreamAddress(Transport.TLS, unbound.address(), "wrong.example.test", "static")))) {
            // The certificate does not name wrong.example.test: the handshake fails and nothing is relayed.
            assertThat(Dig.query(fixture.address(), "www.example.test.", "A", false)).isEmpty();
        }
    }

    @Test
    void forceTcpToUnbound() throws Exception {
        try (UnboundServer unbound = UnboundServer.start("10.9.9.8");
                ForwardingFixture fixture = ForwardingFixture.start(options().forceTcp().build(), Duration.ofSeconds(5),
                        List.of(new UpstreamAddress(Transport.DNS, unbound.address(), "", "static")))) {
            assertThat(Dig.query(fixture.address(), "WWW.Example.TEST.", "A", false)).containsExactly("10.9.9.8");
            assertThat(fixture.upstreams().get(0).errors()).isZero();
        }
    }
}
