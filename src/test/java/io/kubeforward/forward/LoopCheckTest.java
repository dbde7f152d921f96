package io.kubeforward.forward;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeforward.config.ConfigException;
import io.kubeforward.config.KubeforwardConfig;
import io.kubeforward.config.ServerBlock;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LoopCheckTest {

    private static KubeforwardConfig config(String bind, int port, String upstream) throws Exception {
        var rule = new io.kubeforward.config.ForwardRule(".", List.of(), new io.kubeforward.config.StaticUpstreams(List.of(
                new io.kubeforward.config.UpstreamAddress(io.kubeforward.config.Transport.DNS,
                        new java.net.InetSocketAddress(InetAddress.getByName(upstream), 53), "", "resolv.conf:/etc/resolv.conf"))),
                io.kubeforward.config.ForwardOptions.defaults());
        return new KubeforwardConfig(List.of(new ServerBlock(List.of("."), port, List.of(InetAddress.getByName(bind)), false, false,
                Optional.of(rule), Optional.empty())), "Corefile /etc/coredns/Corefile");
    }

    @Test
    void resolvConfNamingTheLocalIpIsALoop() throws Exception {
        assertThatThrownBy(() -> LoopCheck.check(config("169.254.20.10", 53, "169.254.20.10"), a -> false))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Corefile /etc/coredns/Corefile: forwarding loop: zone . forwards to dns://169.254.20.10:53 "
                        + "(resolv.conf:/etc/resolv.conf), which is this server's own listener on 169.254.20.10:53 "
                        + "(check the nameservers in resolv.conf)");
    }

    @Test
    void aWildcardListenerLoopsToAnyLocalAddress() throws Exception {
        assertThatThrownBy(() -> LoopCheck.check(config("0.0.0.0", 53, "10.1.2.3"), a -> a.getHostAddress().equals("10.1.2.3")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("forwarding loop");
        assertThatThrownBy(() -> LoopCheck.check(config("0.0.0.0", 53, "127.0.0.53")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("forwarding loop");
    }

    @Test
    void anotherPortOrAnotherHostIsNoLoop() throws Exception {
        assertThatCode(() -> LoopCheck.check(config("127.0.0.1", 1053, "127.0.0.1"))).doesNotThrowAnyException();
        assertThatCode(() -> LoopCheck.check(config("169.254.20.10", 53, "10.96.0.10"), a -> false)).doesNotThrowAnyException();
    }
}
