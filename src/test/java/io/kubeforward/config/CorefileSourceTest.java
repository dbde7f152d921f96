package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CorefileSourceTest {

    @TempDir
    Path dir;

    private static ServerBlock onlyServer(String corefile) {
        KubeforwardConfig config = TestCorefiles.parse(corefile).config();
        assertThat(config.servers()).hasSize(1);
        return config.servers().get(0);
    }

    private static ForwardRule forward(String corefile) {
        return onlyServer(corefile).forward().orElseThrow();
    }

    private static UpstreamAddress dns(String ip, int port) throws IOException {
        return new UpstreamAddress(Transport.DNS, new InetSocketAddress(InetAddress.getByName(ip), port), "", "static");
    }

    @Test
    void aMinimalForwardUsesCoreDnsDefaultsAndListensEverywhere() throws IOException {
        ServerBlock server = onlyServer(".:53 {\n    forward . 1.1.1.1\n}\n");
        assertThat(server).isEqualTo(new ServerBlock(List.of("."), 53, IpLiterals.wildcards(), false, false,
                Optional.of(new ForwardRule(".", List.of(), new StaticUpstreams(List.of(dns("1.1.1.1", 53))),
                        ForwardOptions.defaults())), Optional.empty()));
    }

    static Stream<Arguments> serverKeys() {
        return Stream.of(
                Arguments.of(".", List.of("."), 53),
                Arguments.of(".:1053", List.of("."), 1053),
                Arguments.of(":1053", List.of("."), 1053),
                Arguments.of("dns://.:5353", List.of("."), 5353),
                Arguments.of("Cluster.Local", List.of("cluster.local."), 53),
                Arguments.of("cluster.local.:53", List.of("cluster.local."), 53),
                Arguments.of("in-addr.arpa ip6.arpa", List.of("in-addr.arpa.", "ip6.arpa."), 53),
                Arguments.of("a.example:0, b.example:0", List.of("a.example.", "b.example."), 0));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource
    void serverKeys(String keys, List<String> zones, int port) {
        ServerBlock server = onlyServer(keys + " {\n}\n");
        assertThat(server.zones()).isEqualTo(zones);
        assertThat(server.port()).isEqualTo(port);
        assertThat(server.forward()).isEmpty();
    }

    @Test
    void bindErrorsAndLogAreRead() throws IOException {
        ServerBlock server = onlyServer(".:53 {\n    bind 127.0.0.1 ::1\n    bind 169.254.20.10\n    errors\n    log\n}\n");
        assertThat(server.bindAddresses()).containsExactly(InetAddress.getByName("127.0.0.1"),
                InetAddress.getByName("::1"), InetAddress.getByName("169.254.20.10"));
        assertThat(server.logErrors()).isTrue();
        assertThat(server.logQueries()).isTrue();
    }

    @Test
    void everyForwardOptionIsRead() throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "ca");
        Path cert = Files.writeString(dir.resolve("cert.pem"), "cert");
        Path key = Files.writeString(dir.resolve("key.pem"), "key");
        ForwardRule rule = forward("""
                .:53 {
                    forward example.org tls://1.1.1.1 {
                        except internal.example.org Other.Example.Org
                        except third.example.org
                        force_tcp
                        max_fails 5
                        max_connect_attempts 3
                        expire 30s
                        max_age 5m
                        max_idle_conns 4
                        read_timeout 500ms
                        tls %s %s %s
                        tls_servername cloudflare-dns.com
                        policy least_outstanding
                        health_check 2s no_rec domain Example.Org
                        max_concurrent 1000
                        failfast_all_unhealthy_upstreams
                        failover servfail REFUSED
                        source_address 10.0.0.1
                    }
                }
                """.formatted(cert, key, ca));
        assertThat(rule.from()).isEqualTo("example.org.");
        assertThat(rule.except()).containsExactly("internal.example.org.", "other.example.org.", "third.example.org.");
        assertThat(rule.source()).isEqualTo(new StaticUpstreams(List.of(new UpstreamAddress(Transport.TLS,
                new InetSocketAddress(InetAddress.getByName("1.1.1.1"), 853), "cloudflare-dns.com", "static"))));
        assertThat(rule.options()).isEqualTo(new ForwardOptions(true, false, 5, OptionalInt.of(3),
                Duration.ofSeconds(30), Optional.of(Duration.ofMinutes(5)), OptionalInt.of(4), Duration.ofMillis(500),
                Optional.of(new TlsOptions(Optional.of(cert), Optional.of(key), Optional.of(ca))),
                "cloudflare-dns.com", Policy.LEAST_OUTSTANDING,
                new HealthCheck(Duration.ofSeconds(2), false, "example.org."), OptionalInt.of(1000), true,
                Set.of(2, 5), Optional.of(InetAddress.getByName("10.0.0.1")), Optional.empty(), false));
    }

    static Stream<Arguments> zeroMeansOffAsInCoreDns() {
        return Stream.of(
                Arguments.of("max_age 0", (OptionsCheck) o -> assertThat(o.maxAge()).isEmpty()),
                Arguments.of("max_idle_conns 0", (OptionsCheck) o -> assertThat(o.maxIdleConns()).isEmpty()),
                Arguments.of("max_concurrent 0", (OptionsCheck) o -> assertThat(o.maxConcurrent()).isEmpty()),
                Arguments.of("max_connect_attempts 0", (OptionsCheck) o -> assertThat(o.attemptLimit(3)).isEqualTo(Integer.MAX_VALUE)),
                Arguments.of("max_fails 0", (OptionsCheck) o -> assertThat(o.healthChecksEnabled()).isFalse()),
                Arguments.of("health_check 0s", (OptionsCheck) o -> assertThat(o.healthChecksEnabled()).isFalse()),
                Arguments.of("tls", (OptionsCheck) o -> assertThat(o.tls()).isEmpty()),
                Arguments.of("policy Round_Robin", (OptionsCheck) o -> assertThat(o.policy()).isEqualTo(Policy.ROUND_ROBIN)));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource
    void zeroMeansOffAsInCoreDns(String option, OptionsCheck check) {
        check.verify(forward(".:53 {\n    forward . 1.1.1.1 {\n        " + option + "\n    }\n}\n").options());
    }

    /** An assertion on options. */
    interface OptionsCheck {
        void verify(ForwardOptions options);
    }

    static Stream<Arguments> upstreamForms() {
        return Stream.of(
                Arguments.of("1.1.1.1", "dns://1.1.1.1:53", ""),
                Arguments.of("1.1.1.1:5353", "dns://1.1.1.1:5353", ""),
                Arguments.of("dns://10.0.0.10", "dns://10.0.0.10:53", ""),
                Arguments.of("DNS://10.0.0.10:1053", "dns://10.0.0.10:1053", ""),
                Arguments.of("::1", "dns://[::1]:53", ""),
                Arguments.of("[2001:db8::1]:5353", "dns://[2001:db8::1]:5353", ""),
                Arguments.of("[2001:db8::1]", "dns://[2001:db8::1]:53", ""),
                Arguments.of("tls://9.9.9.9", "tls://9.9.9.9:853", ""),
                Arguments.of("tls://9.9.9.9%dns.quad9.net", "tls://9.9.9.9:853", "dns.quad9.net"),
                Arguments.of("tls://9.9.9.9:8853%dns.quad9.net", "tls://9.9.9.9:8853", "dns.quad9.net"),
                Arguments.of("tls://[2620:fe::fe]:853%dns.quad9.net", "tls://[2620:fe::fe]:853", "dns.quad9.net"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource
    void upstreamForms(String to, String url, String serverName) {
        StaticUpstreams upstreams = (StaticUpstreams) forward(".:53 {\n    forward . " + to + "\n}\n").source();
        assertThat(upstreams.upstreams()).singleElement().satisfies(u -> {
            assertThat(u.url()).isEqualTo(url);
            assertThat(u.serverName()).isEqualTo(serverName);
            assertThat(u.origin()).isEqualTo("static");
        });
    }

    @Test
    void tlsServernameAppliesToTlsUpstreamsWithoutTheirOwnName() {
        StaticUpstreams upstreams = (StaticUpstreams) forward("""
                .:53 {
                    forward . tls://1.1.1.1 tls://9.9.9.9%dns.quad9.net 8.8.8.8 {
                        tls_servername cloudflare-dns.com
                    }
                }
                """).source();
        assertThat(upstreams.upstreams()).extracting(UpstreamAddress::serverName)
                .containsExactly("cloudflare-dns.com", "dns.quad9.net", "");
    }

    @Test
    void aResolvConfFileExpandsToItsNameservers() throws IOException {
        Path resolvConf = Files.writeString(dir.resolve("resolv.conf"), """
                # generated
                search default.svc.cluster.local svc.cluster.local
                nameserver 10.0.0.2
                ; comment
                nameserver fe80::1%eth0
                options ndots:5
                nameserver 10.0.0.3
                """);
        StaticUpstreams upstreams = (StaticUpstreams) forward(".:53 {\n    forward . " + resolvConf + " 10.0.0.4\n}\n").source();
        String origin = "resolv.conf:" + resolvConf;
        assertThat(upstreams.upstreams()).extracting(UpstreamAddress::url, UpstreamAddress::origin).containsExactly(
                org.assertj.core.groups.Tuple.tuple("dns://10.0.0.2:53", origin),
                org.assertj.core.groups.Tuple.tuple("dns://[fe80::1]:53", origin),
                org.assertj.core.groups.Tuple.tuple("dns://10.0.0.3:53", origin),
                org.assertj.core.groups.Tuple.tuple("dns://10.0.0.4:53", "static"));
    }

    @Test
    void aResolvConfProblemNamesTheCorefileLineAndTheFileLine() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.conf"), "search example.org\n");
        Path bad = Files.writeString(dir.resolve("bad.conf"), "nameserver 10.0.0.2\nnameserver dns.example\n");
        Path duplicate = Files.writeString(dir.resolve("dup.conf"), "nameserver 10.0.0.2\n");
        assertThatThrownBy(() -> TestCorefiles.parse(".:53 {\n    forward . " + empty + "\n}\n"))
                .hasMessage("Corefile:2: forward: " + empty + ": no 'nameserver' line");
        assertThatThrownBy(() -> TestCorefiles.parse(".:53 {\n\n    forward . " + bad + "\n}\n"))
                .hasMessage("Corefile:3: forward: " + bad + ":2: nameserver 'dns.example' is not an IP address");
        assertThatThrownBy(() -> TestCorefiles.parse(".:53 {\n    forward . " + duplicate + " 10.0.0.2\n}\n"))
                .hasMessage("Corefile:2: forward: upstream dns://10.0.0.2:53 is listed twice");
    }

    private static KubernetesServiceUpstreams service(String options) {
        return (KubernetesServiceUpstreams) forward(
                ".:53 {\n    kubeforward {\n        service_name kube-dns\n" + options + "\n    }\n}\n").source();
    }

    private static UpstreamAddress fallback(Transport transport, String ip, int port, String serverName)
            throws IOException {
        return new UpstreamAddress(transport, new InetSocketAddress(InetAddress.getByName(ip), port), serverName,
                "fallback");
    }

    @Test
    void kubeforwardWithoutEndpointOptionsHasNoFallbackNoSnapshotAnyFamilyAndNoZonePreference() {
        assertThat(service("")).isEqualTo(new KubernetesServiceUpstreams("", "kube-dns", "", OptionalInt.empty(),
                List.of(), Optional.empty(), AddressFamily.ANY, ZonePreference.OFF));
    }

    @Test
    void everyKubeforwardEndpointOptionIsRead() throws IOException {
        Path snapshot = dir.resolve("endpoints.json");
        KubernetesServiceUpstreams service = service("""
                        fallback 10.96.0.10 [fd00::a]:5353 dns://10.96.0.11 tls://9.9.9.9 tls://1.1.1.1%%one.one.one.one
                        snapshot %s
                        address_family IPv6
                        prefer_zone eu-west-1a
                        min_local 2
                        tls_servername dns.quad9.net
                """.formatted(snapshot));
        assertThat(service).isEqualTo(new KubernetesServiceUpstreams("", "kube-dns", "", OptionalInt.empty(),
                List.of(fallback(Transport.DNS, "10.96.0.10", 53, ""), fallback(Transport.DNS, "fd00::a", 5353, ""),
                        fallback(Transport.DNS, "10.96.0.11", 53, ""),
                        fallback(Transport.TLS, "9.9.9.9", 853, "dns.quad9.net"),
                        fallback(Transport.TLS, "1.1.1.1", 853, "one.one.one.one")),
                Optional.of(snapshot), AddressFamily.IPV6,
                new ZonePreference(ZonePreference.Mode.FIXED, "eu-west-1a", 2)));
        assertThat(snapshot).doesNotExist();
    }

    static Stream<Arguments> zonePreferences() {
        return Stream.of(
                Arguments.of("prefer_zone off", ZonePreference.OFF),
                Arguments.of("prefer_zone OFF", ZonePreference.OFF),
                Arguments.of("prefer_zone auto", new ZonePreference(ZonePreference.Mode.AUTO, "", 1)),
                Arguments.of("prefer_zone Auto\n        min_local 3", new ZonePreference(ZonePreference.Mode.AUTO, "", 3)),
                Arguments.of("prefer_zone us-east1-b", new ZonePreference(ZonePreference.Mode.FIXED, "us-east1-b", 1)),
                Arguments.of("min_local 2\n        prefer_zone Zone-A", new ZonePreference(ZonePreference.Mode.FIXED, "Zone-A", 2)));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource
    void zonePreferences(String options, ZonePreference expected) {
        assertThat(service("        " + options).zonePreference()).isEqualTo(expected);
    }

    static Stream<Arguments> addressFamilies() {
        return Stream.of(
                Arguments.of("ipv4", AddressFamily.IPV4),
                Arguments.of("IPv6", AddressFamily.IPV6),
                Arguments.of("any", AddressFamily.ANY));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource
    void addressFamilies(String value, AddressFamily expected) {
        assertThat(service("        address_family " + value).addressFamily()).isEqualTo(expected);
    }

    @Test
    void aRelativeSnapshotPathIsKeptAsWrittenAndItsDirectoryIsTheWorkingDirectory() {
        assertThat(service("        snapshot endpoints.json").snapshot()).contains(Path.of("endpoints.json"));
    }

    @Test
    void aResolvConfFileIsNotAFallback() throws IOException {
        Path resolvConf = Files.writeString(dir.resolve("resolv.conf"), "nameserver 10.0.0.2\n");
        assertThatThrownBy(() -> service("        fallback 10.96.0.10 " + resolvConf))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Corefile:4: kubeforward: fallback: '" + resolvConf + "': resolv.conf files are not allowed"
                        + " here (expected: IP, IP:PORT, [IPv6]:PORT, dns:// or tls:// addresses)");
        assertThatThrownBy(() -> service("        fallback dns://" + resolvConf))
                .hasMessage("Corefile:4: kubeforward: fallback: 'dns://" + resolvConf + "': resolv.conf files are not"
                        + " allowed here (expected: IP, IP:PORT, [IPv6]:PORT, dns:// or tls:// addresses)");
    }

    @Test
    void aSnapshotNeedsAnExistingDirectoryAndMustNotBeOne() {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> service("        snapshot " + missing.resolve("endpoints.json")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Corefile:4: kubeforward: snapshot: '" + missing.resolve("endpoints.json")
                        + "': directory " + missing + " does not exist");
        assertThatThrownBy(() -> service("        snapshot " + dir))
                .hasMessage("Corefile:4: kubeforward: snapshot: '" + dir + "' is a directory (expected: a file path)");
    }

    @Test
    void environmentVariablesAreSubstitutedInKeysDirectivesAndOptions() {
        LoadedConfig loaded = TestCorefiles.parse("""
                {$ZONE}:{$PORT} {
                    bind {$LOCAL_IP}
                    forward . {%UPSTREAM%} {
                        max_fails {$MAX_FAILS}
                        policy "{$POLICY}"
                        expire 10s{$NOT_SET}
                    }
                }
                """, Map.of("ZONE", "cluster.local", "PORT", "1053", "LOCAL_IP", "169.254.20.10",
                "UPSTREAM", "10.96.0.10", "MAX_FAILS", "4", "POLICY", "sequential"));
        ServerBlock server = loaded.config().servers().get(0);
        assertThat(server.zones()).containsExactly("cluster.local.");
        assertThat(server.port()).isEqualTo(1053);
        assertThat(server.bindAddresses()).extracting(InetAddress::getHostAddress).containsExactly("169.254.20.10");
        ForwardRule rule = server.forward().orElseThrow();
        assertThat(((StaticUpstreams) rule.source()).upstreams().get(0).url()).isEqualTo("dns://10.96.0.10:53");
        assertThat(rule.options().maxFails()).isEqualTo(4);
        assertThat(rule.options().policy()).isEqualTo(Policy.SEQUENTIAL);
    }

    @Test
    void aMissingVariableIsEmptyAsInCoreDnsAndThenFailsWhereItIsUsed() {
        assertThatThrownBy(() -> TestCorefiles.parse(".:53 {\n    forward . {$UNSET_UPSTREAM}\n}\n"))
                .hasMessage("Corefile:2: forward: empty upstream address (an environment variable that is not set?)");
    }

    @Test
    void forceTcpWithPreferUdpWarnsAtPreferUdpAndForceTcpWins() {
        LoadedConfig loaded = TestCorefiles.parse("""
                .:53 {
                    forward . 1.1.1.1 {
                        force_tcp
                        prefer_udp
                    }
                }
                """);
        ForwardOptions options = loaded.config().servers().get(0).forward().orElseThrow().options();
        assertThat(options.forceTcp()).isTrue();
        assertThat(options.preferUdp()).isFalse();
        assertThat(loaded.warnings()).containsExactly(new ConfigWarning("Corefile:4",
                "forward: both force_tcp and prefer_udp are set; force_tcp wins and prefer_udp is ignored"));
    }

    @Test
    void bindTakesAnInterfaceNameAsAllOfItsAddresses() {
        LoadedConfig loaded = TestCorefiles.parse("""
                .:1053 {
                    bind lo
                    forward . 192.0.2.1
                }
                """);
        assertThat(loaded.config().servers().get(0).bindAddresses()).extracting(IpText::format).contains("127.0.0.1");
    }

    @Test
    void statusAndReloadDirectivesOfSeveralBlocksCombine() {
        LoadedConfig loaded = TestCorefiles.parse("""
                a.example {
                    reload 2s
                    health 127.0.0.1:8080 {
                        lameduck 5s
                    }
                    ready :8181
                }
                b.example {
                    loop
                    reload 10s
                    prometheus :9253
                }
                """);
        assertThat(loaded.warnings()).isEmpty();
        assertThat(loaded.config().reload()).contains(new ReloadOptions(java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(1)));
        StatusEndpoints status = loaded.config().status();
        assertThat(status.health()).containsExactly(new java.net.InetSocketAddress("127.0.0.1", 8080));
        assertThat(status.ready()).containsExactly(new java.net.InetSocketAddress("0.0.0.0", 8181));
        assertThat(status.prometheus()).containsExactly(new java.net.InetSocketAddress("0.0.0.0", 9253));
        assertThat(status.lameduck()).contains(java.time.Duration.ofSeconds(5));
    }

    @Test
    void statusDirectivesDefaultToCoreDnsAddresses() {
        StatusEndpoints status = TestCorefiles.parse("""
                a.example {
                    health
                    ready
                    prometheus
                }
                """).config().status();
        assertThat(status.health()).containsExactly(new java.net.InetSocketAddress("0.0.0.0", 8080));
        assertThat(status.ready()).containsExactly(new java.net.InetSocketAddress("0.0.0.0", 8181));
        assertThat(status.prometheus()).containsExactly(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 9153));
    }

    @Test
    void theSameZoneOnDifferentPortsIsTwoServers() {
        KubeforwardConfig config = TestCorefiles.parse(".:53 {\n}\n.:1053 {\n}\n").config();
        assertThat(config.servers()).extracting(ServerBlock::port).containsExactly(53, 1053);
        assertThat(config.origin()).isEqualTo("Corefile Corefile");
    }

    @Test
    void loadingAFileUsesThePathAsGivenInLocations() throws IOException {
        Path file = Files.writeString(dir.resolve("Corefile"), ".:53 {\n    forward . 1.1.1.1 {\n        max_fail 1\n    }\n}\n");
        CorefileSource source = new CorefileSource(new EnvSubstitution(name -> Optional.empty()));
        assertThatThrownBy(() -> source.load(file.toString()))
                .hasMessage(file + ":3: forward: unknown option 'max_fail'");
        assertThatThrownBy(() -> source.load(dir.resolve("missing").toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(dir.resolve("missing") + ": cannot read the Corefile (java.nio.file.NoSuchFileException");
    }
}
