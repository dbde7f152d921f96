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
    void forceTcpToUnbound() throws Exception {
        try (UnboundServer unbound = UnboundServer.start("10.9.9.8");
                ForwardingFixture fixture = ForwardingFixture.start(options().forceTcp().build(), Duration.ofSeconds(5),
                        List.of(new UpstreamAddress(Transport.DNS, unbound.address(), "", "static")))) {
            assertThat(Dig.query(fixture.address(), "WWW.Example.TEST.", "A", false)).containsExactly("10.9.9.8");
            assertThat(fixture.upstreams().get(0).errors()).isZero();
        }
    }
}
