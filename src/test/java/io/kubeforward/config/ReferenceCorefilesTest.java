package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.testing.NodeLocalDnsCorefile;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Corefiles users bring: the original plugin's README and the one node-local-dns ships (the successor's: SuccessorPluginOptionsTest). */
class ReferenceCorefilesTest {

    /** The original plugin's README block, verbatim (it sets both force_tcp and prefer_udp). */
    static final String ORIGINAL_README = PluginReadmes.ORIGINAL.corefile();

    /** node-local-dns's Corefile, its placeholders as environment variables, as node-cache fills them in. */
    static final String NODE_LOCAL_DNS = NodeLocalDnsCorefile.WITH_PLACEHOLDERS;

    static final String KUBEFORWARD_BLOCK = """
                kubeforward {
                    namespace kube-system
                    service_name kube-dns
                    port_name dns
                    force_tcp
                }
            """;

    @TempDir
    Path dir;

    private Map<String, String> env;

    @BeforeEach
    void placeholders() throws IOException {
        Path resolvConf = Files.writeString(dir.resolve("resolv.conf"), "nameserver 192.0.2.53\nnameserver 192.0.2.54\n");
        env = Map.of("CLUSTER_DOMAIN", "cluster.local", "LOCAL_IP", "169.254.20.10", "DNS_SERVER_IP", "10.96.0.10",
                "CLUSTER_DNS_IP", "10.96.0.11", "UPSTREAM_SERVERS", resolvConf.toString());
    }

    @Test
    void theOriginalReadmeBlockParsesWithForceTcpWinningAndAWarning() {
        LoadedConfig loaded = TestCorefiles.parse(ORIGINAL_README);
        ServerBlock server = loaded.config().servers().get(0);
        assertThat(server.zones()).containsExactly(".");
        assertThat(server.logErrors()).isTrue();
        assertThat(server.logQueries()).isTrue();
        ForwardRule rule = server.forward().orElseThrow();
        assertThat(rule.from()).isEqualTo(".");
        assertThat(rule.source()).isEqualTo(new KubernetesServiceUpstreams("kube-system", "kube-dns", "dns", OptionalInt.empty()));
        assertThat(rule.options().expire()).isEqualTo(Duration.ofMinutes(10));
        assertThat(rule.options().healthCheck()).isEqualTo(new HealthCheck(Duration.ofSeconds(5), true, "."));
        assertThat(rule.options().forceTcp()).isTrue();
        assertThat(rule.options().preferUdp()).isFalse();
        assertThat(loaded.warnings()).extracting(ConfigWarning::toString).containsExactly(
                "Corefile:10: kubeforward: both force_tcp and prefer_udp are set; force_tcp wins and prefer_udp is ignored");
    }

    @Test
    void theNodeLocalDnsCorefileWithForwardParses() throws IOException {
        LoadedConfig loaded = TestCorefiles.parse(NODE_LOCAL_DNS, env);
        List<InetAddress> bind = List.of(InetAddress.getByName("169.254.20.10"), InetAddress.getByName("10.96.0.10"));
        ForwardOptions forceTcp = forceTcp();
        StaticUpstreams clusterDns = new StaticUpstreams(List.of(upstream("10.96.0.11", "static")));
        String origin = "resolv.conf:" + env.get("UPSTREAM_SERVERS");
        assertThat(loaded.config().servers()).containsExactly(
                new ServerBlock(List.of("cluster.local."), 53, bind, true, false,
                        Optional.of(new ForwardRule(".", List.of(), clusterDns, forceTcp)),
                        Optional.of(cache("cluster.local.", 30, 5))),
                new ServerBlock(List.of("in-addr.arpa."), 53, bind, true, false,
                        Optional.of(new ForwardRule(".", List.of(), clusterDns, forceTcp)),
                        Optional.of(cache("in-addr.arpa.", 30, 30))),
                new ServerBlock(List.of("ip6.arpa."), 53, bind, true, false,
                        Optional.of(new ForwardRule(".", List.of(), clusterDns, forceTcp)),
                        Optional.of(cache("ip6.arpa.", 30, 30))),
                new ServerBlock(List.of("."), 53, bind, true, false, Optional.of(new ForwardRule(".", List.of(),
                        new StaticUpstreams(List.of(upstream("192.0.2.53", origin), upstream("192.0.2.54", origin))),
                        ForwardOptions.defaults())), Optional.of(cache(".", 30, 30))));
        assertThat(loaded.warnings()).isEmpty();
        assertThat(loaded.config().reload()).contains(ReloadOptions.defaults());
    }

    /** node-local-dns's caches: 9984 entries each, the given max TTLs, CoreDNS's other defaults. */
    private static CacheOptions cache(String zone, int successTtl, int denialTtl) {
        return new CacheOptions(
                new CacheOptions.Tier(9984, Duration.ofSeconds(successTtl), Duration.ofSeconds(5), List.of()),
                new CacheOptions.Tier(9984, Duration.ofSeconds(denialTtl), Duration.ofSeconds(5), List.of()),
                Optional.empty(), Optional.empty(), Duration.ofSeconds(5), false, List.of(zone));
    }

    @Test
    void theNodeLocalDnsCorefileWithKubeforwardParses() {
        String corefile = NODE_LOCAL_DNS.replace("""
                    forward . {$CLUSTER_DNS_IP} {
                        force_tcp
                    }
                """, KUBEFORWARD_BLOCK);
        KubeforwardConfig config = TestCorefiles.parse(corefile, env).config();
        ForwardRule kubeDns = new ForwardRule(".", List.of(),
                new KubernetesServiceUpstreams("kube-system", "kube-dns", "dns", OptionalInt.empty()), forceTcp());
        assertThat(config.servers()).extracting(ServerBlock::zones)
                .containsExactly(List.of("cluster.local."), List.of("in-addr.arpa."), List.of("ip6.arpa."), List.of("."));
        assertThat(config.servers().subList(0, 3)).extracting(s -> s.forward().orElseThrow()).containsOnly(kubeDns);
        assertThat(config.servers().get(3).forward().orElseThrow().source()).isInstanceOf(StaticUpstreams.class);
    }

    private static ForwardOptions forceTcp() {
        ForwardOptions d = ForwardOptions.defaults();
        return new ForwardOptions(true, false, d.maxFails(), d.maxConnectAttempts(), d.expire(), d.maxAge(),
                d.maxIdleConns(), d.readTimeout(), d.tls(), d.tlsServerName(), d.policy(), d.healthCheck(),
                d.maxConcurrent(), d.failfastAllUnhealthyUpstreams(), d.failover(), d.sourceAddress(), d.slowThreshold(),
                d.slowLog());
    }

    private static UpstreamAddress upstream(String ip, String origin) throws IOException {
        return new UpstreamAddress(Transport.DNS, new InetSocketAddress(InetAddress.getByName(ip), 53), "", origin);
    }
}
