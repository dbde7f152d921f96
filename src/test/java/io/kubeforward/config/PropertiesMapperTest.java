package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.context.properties.bind.BindException;

class PropertiesMapperTest {

    private static final String S0 = "kubeforward.servers[0]";
    private static final String F0 = S0 + ".forward";

    @TempDir
    Path dir;

    /** One server block for {@code .} forwarding to 1.1.1.1, plus {@code extra} properties. */
    private static Map<String, String> forwardTo(String... extra) {
        Map<String, String> properties = new HashMap<>(Map.of(S0 + ".zones[0]", ".", F0 + ".to[0]", "1.1.1.1"));
        for (int i = 0; i < extra.length; i += 2) {
            properties.put(extra[i], extra[i + 1]);
        }
        return properties;
    }

    @Test
    void aMinimalBlockEqualsTheCorefileOne() {
        assertThat(TestProperties.map(forwardTo()).config().servers())
                .isEqualTo(TestCorefiles.parse(".:53 {\n    forward . 1.1.1.1\n}\n").config().servers());
    }

    @Test
    void everyOptionGivesTheSameModelAsTheCorefile() throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "ca");
        Path cert = Files.writeString(dir.resolve("cert.pem"), "cert");
        Path key = Files.writeString(dir.resolve("key.pem"), "key");
        Path resolvConf = Files.writeString(dir.resolve("resolv.conf"), "nameserver 192.0.2.1\n");
        String corefile = """
                example.org:1053 example.net:1053 {
                    bind 127.0.0.1 ::1
                    errors
                    log
                    forward example.org tls://1.1.1.1 tls://9.9.9.9%%dns.quad9.net {
                        except internal.example.org
                        force_tcp
                        max_fails 5
                        max_connect_attempts 3
                        expire 30s
                        max_age 5m
                        max_idle_conns 4
                        read_timeout 500ms
                        tls %s %s %s
                        tls_servername cloudflare-dns.com
                        policy round_robin
                        health_check 2s no_rec domain example.org
                        max_concurrent 1000
                        failfast_all_unhealthy_upstreams
                        failover SERVFAIL REFUSED
                        source_address 127.0.0.1
                    }
                }
                .:1053 {
                    forward . %s 10.0.0.1:5353
                }
                """.formatted(cert, key, ca, resolvConf);
        Map<String, String> yaml = new HashMap<>();
        yaml.putAll(Map.of(S0 + ".zones", "example.org,example.net", S0 + ".port", "1053",
                S0 + ".bind", "127.0.0.1,::1", S0 + ".errors", "true", S0 + ".log", "true"));
        yaml.putAll(Map.of(F0 + ".from", "example.org", F0 + ".to[0]", "tls://1.1.1.1",
                F0 + ".to[1]", "tls://9.9.9.9%dns.quad9.net", F0 + ".except[0]", "internal.example.org",
                F0 + ".force-tcp", "true", F0 + ".max-fails", "5", F0 + ".max-connect-attempts", "3",
                F0 + ".expire", "30s", F0 + ".max-age", "5m", F0 + ".max-idle-conns", "4"));
        yaml.putAll(Map.of(F0 + ".read-timeout", "500ms", F0 + ".tls.cert", cert.toString(),
                F0 + ".tls.key", key.toString(), F0 + ".tls.ca", ca.toString(),
                F0 + ".tls-servername", "cloudflare-dns.com", F0 + ".policy", "round-robin",
                F0 + ".health-check.interval", "2s", F0 + ".health-check.no-rec", "true",
                F0 + ".health-check.domain", "example.org", F0 + ".max-concurrent", "1000"));
        yaml.putAll(Map.of(F0 + ".failfast-all-unhealthy-upstreams", "true", F0 + ".failover", "SERVFAIL,REFUSED",
                F0 + ".source-address", "127.0.0.1", "kubeforward.servers[1].zones[0]", ".",
                "kubeforward.servers[1].port", "1053", "kubeforward.servers[1].forward.to[0]", resolvConf.toString(),
                "kubeforward.servers[1].forward.to[1]", "10.0.0.1:5353"));
        assertThat(TestProperties.map(yaml).config().servers())
                .isEqualTo(TestCorefiles.parse(corefile).config().servers());
    }

    @Test
    void aServiceGivesTheSameModelAsKubeforward() {
        Map<String, String> yaml = Map.of(S0 + ".zones[0]", "cluster.local", F0 + ".service.namespace", "kube-system",
                F0 + ".service.name", "kube-dns", F0 + ".service.port-name", "dns", F0 + ".expire", "10m",
                F0 + ".health-check.interval", "5s", F0 + ".force-tcp", "true", F0 + ".prefer-udp", "true");
        LoadedConfig loaded = TestProperties.map(yaml);
        assertThat(loaded.config().servers()).isEqualTo(TestCorefiles.parse(
                ReferenceCorefilesTest.ORIGINAL_README.replace(".:53", "cluster.local:53")
                        .replace("errors\n    log\n", "")).config().servers());
        assertThat(loaded.warnings()).containsExactly(new ConfigWarning(F0 + ".prefer-udp",
                "both force-tcp and prefer-udp are set; force-tcp wins and prefer-udp is ignored"));
    }

    @Test
    void serviceEndpointOptionsGiveTheSameModelAsKubeforward() throws IOException {
        Path snapshot = dir.resolve("endpoints.json");
        Map<String, String> yaml = Map.of(S0 + ".zones[0]", "cluster.local", F0 + ".service.name", "kube-dns",
                F0 + ".service.fallback", "10.96.0.10,[fd00::a]:5353,tls://9.9.9.9",
                F0 + ".service.snapshot", snapshot.toString(), F0 + ".service.address-family", "ipv4",
                F0 + ".service.prefer-zone", "auto", F0 + ".service.min-local", "2",
                F0 + ".tls-servername", "dns.quad9.net");
        ForwardRule rule = TestProperties.map(yaml).config().servers().get(0).forward().orElseThrow();
        assertThat(rule).isEqualTo(TestCorefiles.parse("""
                cluster.local {
                    kubeforward {
                        service_name kube-dns
                        fallback 10.96.0.10 [fd00::a]:5353 tls://9.9.9.9
                        snapshot %s
                        address_family ipv4
                        prefer_zone auto
                        min_local 2
                        tls_servername dns.quad9.net
                    }
                }
                """.formatted(snapshot)).config().servers().get(0).forward().orElseThrow());
        KubernetesServiceUpstreams service = (KubernetesServiceUpstreams) rule.source();
        assertThat(service.fallback()).extracting(UpstreamAddress::url, UpstreamAddress::serverName, UpstreamAddress::origin)
                .containsExactly(tuple("dns://10.96.0.10:53", "", "fallback"),
                        tuple("dns://[fd00::a]:5353", "", "fallback"),
                        tuple("tls://9.9.9.9:853", "dns.quad9.net", "fallback"));
        assertThat(service.snapshot()).contains(snapshot);
        assertThat(service.addressFamily()).isEqualTo(AddressFamily.IPV4);
        assertThat(service.zonePreference()).isEqualTo(new ZonePreference(ZonePreference.Mode.AUTO, "", 2));
    }

    @Test
    void serviceEndpointOptionsDefaultAsInTheCorefile() {
        KubernetesServiceUpstreams service = (KubernetesServiceUpstreams) TestProperties.map(Map.of(
                S0 + ".zones[0]", ".", F0 + ".service.name", "kube-dns")).config().servers().get(0)
                .forward().orElseThrow().source();
        assertThat(service).isEqualTo(new KubernetesServiceUpstreams("", "kube-dns", "", OptionalInt.empty(),
                List.of(), Optional.empty(), AddressFamily.ANY, ZonePreference.OFF));
    }

    static Stream<Arguments> serviceZonePreferences() {
        return Stream.of(
                Arguments.of("off", ZonePreference.OFF),
                Arguments.of("AUTO", new ZonePreference(ZonePreference.Mode.AUTO, "", 1)),
                Arguments.of("europe-west4-a", new ZonePreference(ZonePreference.Mode.FIXED, "europe-west4-a", 1)));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource
    void serviceZonePreferences(String preferZone, ZonePreference expected) {
        KubernetesServiceUpstreams service = (KubernetesServiceUpstreams) TestProperties.map(Map.of(
                S0 + ".zones[0]", ".", F0 + ".service.name", "kube-dns", F0 + ".service.prefer-zone", preferZone))
                .config().servers().get(0).forward().orElseThrow().source();
        assertThat(service.zonePreference()).isEqualTo(expected);
    }

    @Test
    void aResolvConfFileIsNotAServiceFallback() throws IOException {
        Path resolvConf = Files.writeString(dir.resolve("resolv.conf"), "nameserver 10.0.0.2\n");
        assertThatThrownBy(() -> TestProperties.map(service(F0 + ".service.fallback", "10.96.0.10," + resolvConf)))
                .isInstanceOf(ConfigException.class)
                .hasMessage(F0 + ".service.fallback[1]: '" + resolvConf + "': resolv.conf files are not allowed here"
                        + " (expected: IP, IP:PORT, [IPv6]:PORT, dns:// or tls:// addresses)");
    }

    @Test
    void theProfilesGiveTheSameModelAsTheirCorefiles() throws IOException {
        assumeThat(Path.of("/etc/resolv.conf")).isRegularFile();
        assertThat(new PropertiesMapper().map(TestProperties.bindYaml("application-local.yaml").servers()).config().servers())
                .isEqualTo(TestCorefiles.parse("""
                        .:1053 {
                            bind 127.0.0.1
                            errors
                            forward . /etc/resolv.conf
                        }
                        """).config().servers());
        assertThat(new PropertiesMapper().map(TestProperties.bindYaml("application-nodelocal.yaml").servers()).config().servers())
                .isEqualTo(TestCorefiles.parse("""
                        cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
                            errors
                            cache {
                                success 9984 30
                                denial 9984 5
                            }
                            bind 169.254.20.10
                            kubeforward {
                                namespace kube-system
                                service_name kube-dns
                                port_name dns
                                force_tcp
                            }
                        }
                        .:53 {
                            errors
                            cache 30
                            bind 169.254.20.10
                            forward . /etc/resolv.conf
                        }
                        """).config().servers());
    }

    /** One server block for {@code .} forwarding to Service kube-dns, plus {@code extra} properties. */
    private static Map<String, String> service(String... extra) {
        Map<String, String> properties = new HashMap<>(Map.of(S0 + ".zones[0]", ".", F0 + ".service.name", "kube-dns"));
        for (int i = 0; i < extra.length; i += 2) {
            properties.put(extra[i], extra[i + 1]);
        }
        return properties;
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(Map.of(S0 + ".port", "53"), S0 + ".zones: at least one zone is required"),
                Arguments.of(forwardTo(S0 + ".zones[1]", "a..b"), S0 + ".zones[1]: 'a..b' is not a valid domain name"),
                Arguments.of(forwardTo(S0 + ".port", "70000"), S0 + ".port: 70000 (expected: 0-65535)"),
                Arguments.of(forwardTo(S0 + ".bind[0]", "eth0"), S0 + ".bind[0]: 'eth0' is not an IP address"),
                Arguments.of(forwardTo(S0 + ".bind", "::1,::1"), S0 + ".bind[1]: ::1 is listed twice"),
                Arguments.of(forwardTo(F0 + ".service.name", "kube-dns"), F0 + ": both 'to' and 'service' are set (expected: exactly one)"),
                Arguments.of(Map.of(S0 + ".zones[0]", ".", F0 + ".force-tcp", "true"), F0 + ": neither 'to' nor 'service' is set (expected: exactly one)"),
                Arguments.of(forwardTo(F0 + ".from", "a..b"), F0 + ".from: 'a..b' is not a valid domain name"),
                Arguments.of(forwardTo(F0 + ".to[1]", "https://dns.google/dns-query"), F0 + ".to[1]: 'https://dns.google/dns-query': DNS over HTTPS (https://) is not supported"),
                Arguments.of(forwardTo(F0 + ".to[1]", "1.1.1.1:53"), F0 + ".to: upstream dns://1.1.1.1:53 is listed twice"),
                Arguments.of(forwardTo(F0 + ".to", sixteenUpstreams()), F0 + ".to: 16 upstreams (expected: at most 15, counting each nameserver of a file)"),
                Arguments.of(forwardTo(F0 + ".except[0]", "a..b"), F0 + ".except[0]: 'a..b' is not a valid domain name"),
                Arguments.of(forwardTo(F0 + ".max-fails", "-1"), F0 + ".max-fails: -1 (expected: >= 0)"),
                Arguments.of(forwardTo(F0 + ".max-connect-attempts", "-1"), F0 + ".max-connect-attempts: -1 (expected: >= 0)"),
                Arguments.of(forwardTo(F0 + ".expire", "-1s"), F0 + ".expire: -1s (expected: > 0)"),
                Arguments.of(forwardTo(F0 + ".max-age", "5s"), F0 + ".max-age: 5s (expected: >= expire 10s)"),
                Arguments.of(forwardTo(F0 + ".max-idle-conns", "-3"), F0 + ".max-idle-conns: -3 (expected: >= 0)"),
                Arguments.of(forwardTo(F0 + ".read-timeout", "0s"), F0 + ".read-timeout: 0s (expected: > 0)"),
                Arguments.of(forwardTo(F0 + ".tls.cert", "/nonexistent/cert.pem"), F0 + ".tls: a client certificate and its key go together (expected: CERT KEY [CA])"),
                Arguments.of(forwardTo(F0 + ".tls.ca", "/nonexistent/ca.pem"), F0 + ".tls: CA file '/nonexistent/ca.pem' is not a readable file"),
                Arguments.of(forwardTo(F0 + ".policy", "fastest"), F0 + ".policy: 'fastest' (expected: random, round_robin, sequential or least_outstanding)"),
                Arguments.of(forwardTo(F0 + ".health-check.interval", "-1s"), F0 + ".health-check: -1s (expected: >= 0)"),
                Arguments.of(forwardTo(F0 + ".max-concurrent", "-1"), F0 + ".max-concurrent: -1 (expected: >= 0)"),
                Arguments.of(forwardTo(F0 + ".failover", "NOERROR"), F0 + ".failover: NOERROR cannot be used for failover"),
                Arguments.of(forwardTo(F0 + ".source-address", "localhost"), F0 + ".source-address: 'localhost' is not an IP address"),
                Arguments.of(Map.of(S0 + ".zones[0]", ".", F0 + ".service.namespace", "kube-system"), F0 + ".service.name: the Service name is required"),
                Arguments.of(Map.of(S0 + ".zones[0]", ".", F0 + ".service.name", "kube_dns"), F0 + ".service.name: 'kube_dns' is not a valid Kubernetes name (expected: lower-case letters, digits and '-', at most 63)"),
                Arguments.of(Map.of(S0 + ".zones[0]", ".", F0 + ".service.name", "kube-dns", F0 + ".service.port", "-53"), F0 + ".service.port: -53 (expected: 1-65535)"),
                Arguments.of(Map.of(S0 + ".zones[0]", ".", F0 + ".service.name", "kube-dns", F0 + ".service.port", "53",
                        F0 + ".service.port-name", "dns"), F0 + ".service.port: cannot be combined with port-name"),
                Arguments.of(service(F0 + ".service.fallback[1]", "kube-dns.kube-system.svc", F0 + ".service.fallback[0]", "10.96.0.10"), F0 + ".service.fallback[1]: 'kube-dns.kube-system.svc' is not an IP address or IP:PORT"),
                Arguments.of(service(F0 + ".service.fallback", "10.96.0.10,dns://10.96.0.10:53"), F0 + ".service.fallback: upstream dns://10.96.0.10:53 is listed twice"),
                Arguments.of(service(F0 + ".service.snapshot", "/nonexistent/kubeforward/endpoints.json"), F0 + ".service.snapshot: '/nonexistent/kubeforward/endpoints.json': directory /nonexistent/kubeforward does not exist"),
                Arguments.of(service(F0 + ".service.address-family", "inet"), F0 + ".service.address-family: 'inet' (expected: ipv4, ipv6 or any)"),
                Arguments.of(service(F0 + ".service.prefer-zone", ""), F0 + ".service.prefer-zone: empty zone (expected: auto, off or a zone name)"),
                Arguments.of(service(F0 + ".service.prefer-zone", "auto", F0 + ".service.min-local", "0"), F0 + ".service.min-local: 0 (expected: >= 1)"),
                Arguments.of(service(F0 + ".service.min-local", "2"), F0 + ".service.min-local: has no effect while prefer-zone is off (expected: prefer-zone auto or ZONE)"),
                Arguments.of(service(F0 + ".service.prefer-zone", "off", F0 + ".service.min-local", "1"), F0 + ".service.min-local: has no effect while prefer-zone is off (expected: prefer-zone auto or ZONE)"),
                Arguments.of(forwardTo("kubeforward.servers[1].zones", "example.org,."),
                        "kubeforward.servers[1].zones[1]: zone .:53 is already defined (at kubeforward.servers[0].zones[0])"));
    }

    private static String sixteenUpstreams() {
        return String.join(",", IntStream.rangeClosed(1, 16).mapToObj(i -> "10.0.0." + i).toList());
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource
    void invalid(Map<String, String> properties, String message) {
        assertThatThrownBy(() -> TestProperties.map(properties))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @Test
    void aValueOfTheWrongTypeIsReportedBySpringWithItsPropertyName() {
        assertThatThrownBy(() -> TestProperties.bind(forwardTo(F0 + ".max-fails", "two")))
                .isInstanceOf(BindException.class)
                .hasMessageContaining(F0 + ".max-fails");
    }

    @Test
    void noServersIsAnError() {
        assertThatThrownBy(() -> TestProperties.map(Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("kubeforward.servers: no server block");
    }
}
