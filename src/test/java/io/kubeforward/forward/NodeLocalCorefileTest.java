package io.kubeforward.forward;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.config.EphemeralCorefiles;
import io.kubeforward.server.BoundListener;
import io.kubeforward.testing.DnsTestClient;
import io.kubeforward.testing.ForwardingFixture;
import io.kubeforward.testing.TestUpstream;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * node-local-dns's own Corefile (reference node-local-dns.md), placeholders filled in, with a distinct real
 * upstream per block: four blocks share one port and two bind addresses, and each zone reaches its own upstreams.
 */
class NodeLocalCorefileTest {

    @Test
    void allFourBlocksServeTheirZonesOnOneSharedPort() throws Exception {
        try (TestUpstream cluster = TestUpstream.start("10.0.0.1");
                TestUpstream reverse4 = TestUpstream.start("10.0.0.2");
                TestUpstream reverse6 = TestUpstream.start("10.0.0.3");
                TestUpstream external = TestUpstream.start("10.0.0.4")) {
            String corefile = """
                    cluster.local:53 {
                        errors
                        cache {
                            success 9984 30
                            denial 9984 5
                        }
                        reload
                        loop
                        bind 127.0.0.1 127.0.0.2
                        forward . 127.0.0.1:%d {
                            force_tcp
                        }
                        prometheus :9253
                        health 127.0.0.1:8080
                    }
                    in-addr.arpa:53 {
                        errors
                        cache 30
                        reload
                        loop
                        bind 127.0.0.1 127.0.0.2
                        forward . 127.0.0.1:%d {
                            force_tcp
                        }
                        prometheus :9253
                    }
                    ip6.arpa:53 {
                        errors
                        cache 30
                        reload
                        loop
                        bind 127.0.0.1 127.0.0.2
                        forward . 127.0.0.1:%d {
                            force_tcp
                        }
                        prometheus :9253
                    }
                    .:53 {
                        errors
                        cache 30
                        reload
                        loop
                        bind 127.0.0.1 127.0.0.2
                        forward . 127.0.0.1:%d
                        prometheus :9253
                    }
                    """.formatted(cluster.port(), reverse4.port(), reverse6.port(), external.port());
            try (ForwardingFixture fixture = ForwardingFixture.start(EphemeralCorefiles.parse(corefile))) {
                List<BoundListener> listeners = fixture.listeners();
                assertThat(listeners).hasSize(2);
                for (BoundListener listener : listeners) {
                    assertThat(listener.zones()).containsExactlyInAnyOrder("cluster.local.", "in-addr.arpa.", "ip6.arpa.", ".");
                    DnsTestClient client = new DnsTestClient(listener.address(), Duration.ofSeconds(5));
                    assertThat(client.udp("kubernetes.default.svc.cluster.local.").getRcode()).isEqualTo(Rcode.NOERROR);
                    assertThat(client.udp(DnsTestClient.query("10.0.96.10.in-addr.arpa.", Type.PTR)).getRcode()).isEqualTo(Rcode.NOERROR);
                    assertThat(client.udp(DnsTestClient.query("1.0.0.0.d.f.ip6.arpa.", Type.PTR)).getRcode()).isEqualTo(Rcode.NOERROR);
                    Message external4 = client.udp("www.example.org.");
                    assertThat(external4.getRcode()).isEqualTo(Rcode.NOERROR);
                }
                // Each zone reached its own upstream, once per name (the second listener's queries were cache hits).
                assertThat(cluster.tcpQueries()).isEqualTo(1);
                assertThat(cluster.udpQueries()).isZero();
                assertThat(reverse4.tcpQueries()).isEqualTo(1);
                assertThat(reverse6.tcpQueries()).isEqualTo(1);
                assertThat(external.udpQueries()).isEqualTo(1);
                assertThat(external.tcpQueries()).isZero();
            }
        }
    }
}
