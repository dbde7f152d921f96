package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every malformed Corefile fails as a whole with {@code FILE:LINE: message} naming the directive or option. */
class MalformedCorefileTest {

    /** A server block forwarding to 1.1.1.1 with {@code options} in the forward block (options start on line 3). */
    private static String forwardWith(String options) {
        return ".:53 {\n    forward . 1.1.1.1 {\n" + options + "\n    }\n}\n";
    }

    /** A server block with {@code body} as its directives (starting on line 2). */
    private static String block(String body) {
        return ".:53 {\n" + body + "\n}\n";
    }

    /** A kubeforward block for Service kube-dns with {@code options} after service_name (options start on line 4). */
    private static String kubeforwardWith(String options) {
        return block("    kubeforward {\n        service_name kube-dns\n" + options + "\n    }");
    }

    /** A server block with a cache block holding {@code options} (options start on line 3). */
    private static String cacheWith(String options) {
        return block("    cache {\n" + options + "\n    }");
    }

    static Stream<Arguments> malformed() {
        return Stream.of(malformedSyntaxAndForward(), malformedKubeforwardEndpointOptions(), malformedCache())
                .flatMap(s -> s);
    }

    static Stream<Arguments> malformedSyntaxAndForward() {
        return Stream.of(
                // syntax
                Arguments.of("", "Corefile: no server block (expected: ZONE[:PORT] { ... })"),
                Arguments.of(".:53\n", "Corefile:1: expected '{' at the end of the server block key line"),
                Arguments.of(".:53\n{\n}\n", "Corefile:1: expected '{' at the end of the server block key line"),
                Arguments.of(".:53 {\n    errors\n", "Corefile:1: '{' is never closed (missing '}')"),
                Arguments.of(block("    forward . 1.1.1.1 {\n        force_tcp\n"), "Corefile:1: '{' is never closed (missing '}')"),
                Arguments.of(block("    errors\n}"), "Corefile:4: unexpected '}' (no matching '{')"),
                Arguments.of(block("    {"), "Corefile:2: unexpected '{' (expected a directive name)"),
                Arguments.of(".:53 {\n} extra\n", "Corefile:2: unexpected 'extra' after '}' (expected a new line)"),
                Arguments.of("{\n}\n", "Corefile:1: expected a server block key (ZONE[:PORT]) before '{'"),
                Arguments.of(block("    log \"unterminated"), "Corefile:2: unterminated quoted string (missing '\"')"),
                // server block keys
                Arguments.of(".:99999 {\n}\n", "Corefile:1: server block key '.:99999': port 99999 (expected: 0-65535)"),
                Arguments.of(".:dns {\n}\n", "Corefile:1: server block key '.:dns': port 'dns' is not a number"),
                Arguments.of("tls://.:853 {\n}\n", "Corefile:1: server block key 'tls://.:853': transport 'tls' is not supported (expected: dns:// or none)"),
                Arguments.of("a..b {\n}\n", "Corefile:1: server block key 'a..b': 'a..b' is not a valid domain name"),
                Arguments.of("a.local:53 b.local:54 {\n}\n", "Corefile:1: server block keys 'a.local:53' and 'b.local:54' use different ports (expected: one port per server block)"),
                Arguments.of(".:53 {\n}\n\ndns://.:53 {\n}\n", "Corefile:4: zone .:53 is already defined (at Corefile:1)"),
                Arguments.of("cluster.local Cluster.Local. {\n}\n", "Corefile:1: zone cluster.local.:53 is already defined (at Corefile:1)"),
                // directives
                Arguments.of(block("    forwardd . 1.1.1.1"), "Corefile:2: unknown directive 'forwardd'"),
                Arguments.of(block("    import common.conf"), "Corefile:2: import: not supported (expected: a self-contained Corefile)"),
                Arguments.of(block("    errors stdout"), "Corefile:2: errors: wrong number of arguments: 1 (expected: 0)"),
                Arguments.of(block("    errors\n    errors"), "Corefile:3: errors: given twice (first at Corefile:2)"),
                Arguments.of(block("    log {\n        class denial\n    }"), "Corefile:2: log: unexpected block (this takes no '{ }')"),
                Arguments.of(block("    bind"), "Corefile:2: bind: wrong number of arguments: 0 (expected: 1 or more)"),
                Arguments.of(block("    bind no-such-if0"), "Corefile:2: bind: 'no-such-if0' is neither an IP address nor an interface of this host"),
                Arguments.of(block("    rewrite name a.example b.example"), "Corefile:2: directive 'rewrite' is a CoreDNS plugin that kubeforward does not support"),
                Arguments.of(block("    kubernetes cluster.local"), "Corefile:2: directive 'kubernetes' is a CoreDNS plugin that kubeforward does not support"),
                Arguments.of(block("    loop x"), "Corefile:2: loop: unexpected argument 'x' (expected: none)"),
                Arguments.of(block("    reload 1s"), "Corefile:2: reload: interval 1s (expected: >= 2s)"),
                Arguments.of(block("    reload 10s 6s"), "Corefile:2: reload: jitter 6s (expected: 0 to half the interval)"),
                Arguments.of(block("    reload soon"), "Corefile:2: reload: invalid duration \"soon\" (expected e.g. 500ms, 5s, 1m30s)"),
                Arguments.of(block("    health example.com:8080"), "Corefile:2: health: 'example.com' is not an IP address"),
                Arguments.of(block("    ready 8181"), "Corefile:2: ready: '8181' is not HOST:PORT or :PORT"),
                Arguments.of(block("    health :8080 {\n        jitter 1s\n    }"), "Corefile:3: health: unknown option 'jitter'"),
                Arguments.of(block("    bind 127.0.0.1 127.0.0.1"), "Corefile:2: bind: 127.0.0.1 is listed twice"),
                // forward arguments
                Arguments.of(block("    forward ."), "Corefile:2: forward: wrong number of arguments: 1 (expected: FROM TO...)"),
                Arguments.of(block("    forward a..b 1.1.1.1"), "Corefile:2: forward: FROM 'a..b' is not a valid domain name"),
                Arguments.of(block("    forward . dns.google"), "Corefile:2: forward: 'dns.google' is not an IP address, IP:PORT or an existing file"),
                Arguments.of(block("    forward . 1.1.1.1:70000"), "Corefile:2: forward: '1.1.1.1:70000': port 70000 (expected: 1-65535)"),
                Arguments.of(block("    forward . [::1]:x"), "Corefile:2: forward: '[::1]:x': port 'x' is not a number"),
                Arguments.of(block("    forward . https://1.1.1.1/dns-query"), "Corefile:2: forward: 'https://1.1.1.1/dns-query': DNS over HTTPS (https://) is not supported"),
                Arguments.of(block("    forward . udp://1.1.1.1"), "Corefile:2: forward: 'udp://1.1.1.1': unknown transport 'udp' (expected: dns:// or tls://)"),
                Arguments.of(block("    forward . tls://dns.quad9.net"), "Corefile:2: forward: 'tls://dns.quad9.net' is not an IP address, IP:PORT"),
                Arguments.of(block("    forward . 1.1.1.1 1.1.1.1:53"), "Corefile:2: forward: upstream dns://1.1.1.1:53 is listed twice"),
                Arguments.of(block("    forward . " + sixteenUpstreams()), "Corefile:2: forward: 16 upstreams (expected: at most 15, counting each nameserver of a file)"),
                Arguments.of(block("    forward . 1.1.1.1\n    forward . 8.8.8.8"), "Corefile:3: forward: this server block already forwards (at Corefile:2; expected: one forward or kubeforward per server block)"),
                Arguments.of(block("    forward . 1.1.1.1\n    kubeforward {\n        service_name kube-dns\n    }"), "Corefile:3: kubeforward: this server block already forwards (at Corefile:2; expected: one forward or kubeforward per server block)"),
                // forward options
                Arguments.of(forwardWith("        max_fail 3"), "Corefile:3: forward: unknown option 'max_fail'"),
                Arguments.of(forwardWith("        max_fails -1"), "Corefile:3: forward: max_fails: -1 (expected: >= 0)"),
                Arguments.of(forwardWith("        max_fails two"), "Corefile:3: forward: max_fails: 'two' is not a number"),
                Arguments.of(forwardWith("        max_fails"), "Corefile:3: forward: max_fails: wrong number of arguments: 0 (expected: 1)"),
                Arguments.of(forwardWith("        max_fails 1\n        max_fails 2"), "Corefile:4: forward: max_fails: given twice (first at Corefile:3)"),
                Arguments.of(forwardWith("        max_connect_attempts -2"), "Corefile:3: forward: max_connect_attempts: -2 (expected: >= 0)"),
                Arguments.of(forwardWith("        expire 5x"), "Corefile:3: forward: expire: invalid duration \"5x\" (expected e.g. 500ms, 5s, 1m30s)"),
                Arguments.of(forwardWith("        expire -5s"), "Corefile:3: forward: expire: -5s (expected: > 0)"),
                Arguments.of(forwardWith("        read_timeout 0"), "Corefile:3: forward: read_timeout: 0s (expected: > 0)"),
                Arguments.of(forwardWith("        expire 10s\n        max_age 5s"), "Corefile:4: forward: max_age: 5s (expected: >= expire 10s)"),
                Arguments.of(forwardWith("        max_idle_conns -1"), "Corefile:3: forward: max_idle_conns: -1 (expected: >= 0)"),
                Arguments.of(forwardWith("        health_check -1s"), "Corefile:3: forward: health_check: -1s (expected: >= 0)"),
                Arguments.of(forwardWith("        health_check 1s bogus"), "Corefile:3: forward: health_check: unknown argument 'bogus' (expected: [DURATION] [no_rec] [domain FQDN])"),
                Arguments.of(forwardWith("        health_check 1s domain"), "Corefile:3: forward: health_check: 'domain' needs a name"),
                Arguments.of(forwardWith("        health_check"), "Corefile:3: forward: health_check: wrong number of arguments: 0 (expected: 1 to 4)"),
                Arguments.of(forwardWith("        policy fastest"), "Corefile:3: forward: policy: 'fastest' (expected: random, round_robin, sequential or least_outstanding)"),
                Arguments.of(forwardWith("        failover"), "Corefile:3: forward: failover: wrong number of arguments: 0 (expected: 1 or more)"),
                Arguments.of(forwardWith("        failover SERVFAIL NOERROR"), "Corefile:3: forward: failover: NOERROR cannot be used for failover"),
                Arguments.of(forwardWith("        failover BOGUS"), "Corefile:3: forward: failover: 'BOGUS' is not an rcode (expected e.g. SERVFAIL, REFUSED)"),
                Arguments.of(forwardWith("        source_address example.com"), "Corefile:3: forward: source_address: 'example.com' is not an IP address"),
                Arguments.of(forwardWith("        max_concurrent -5"), "Corefile:3: forward: max_concurrent: -5 (expected: >= 0)"),
                Arguments.of(forwardWith("        force_tcp yes"), "Corefile:3: forward: force_tcp: wrong number of arguments: 1 (expected: 0)"),
                Arguments.of(forwardWith("        force_tcp {\n        }"), "Corefile:3: forward: force_tcp: unexpected block (this takes no '{ }')"),
                Arguments.of(forwardWith("        tls a b c d"), "Corefile:3: forward: tls: wrong number of arguments: 4 (expected: 0 to 3)"),
                Arguments.of(forwardWith("        tls /nonexistent/ca.pem"), "Corefile:3: forward: tls: CA file '/nonexistent/ca.pem' is not a readable file"),
                Arguments.of(forwardWith("        except"), "Corefile:3: forward: except: wrong number of arguments: 0 (expected: 1 or more)"),
                Arguments.of(forwardWith("        next NXDOMAIN"), "Corefile:3: forward: option 'next' is not supported (kubeforward does not chain plugins)"),
                Arguments.of(forwardWith("        next_on_nodata"), "Corefile:3: forward: option 'next_on_nodata' is not supported (kubeforward does not chain plugins)"),
                // kubeforward
                Arguments.of(block("    kubeforward kube-dns {\n        service_name kube-dns\n    }"), "Corefile:2: kubeforward: unexpected argument 'kube-dns' (expected: none; settings go in the block)"),
                Arguments.of(block("    kubeforward"), "Corefile:2: kubeforward: a block is required (expected: kubeforward { service_name NAME ... })"),
                Arguments.of(block("    kubeforward {\n        namespace kube-system\n    }"), "Corefile:2: kubeforward: service_name is required"),
                Arguments.of(block("    kubeforward {\n        service_name Kube_DNS\n    }"), "Corefile:3: kubeforward: service_name: 'Kube_DNS' is not a valid Kubernetes name (expected: lower-case letters, digits and '-', at most 63)"),
                Arguments.of(block("    kubeforward {\n        service_name kube-dns\n        port 0\n    }"), "Corefile:4: kubeforward: port: 0 (expected: 1-65535)"),
                Arguments.of(block("    kubeforward {\n        service_name kube-dns\n        port_name dns\n        port 53\n    }"), "Corefile:5: kubeforward: port: cannot be combined with port_name (at Corefile:4)"),
                Arguments.of(block("    kubeforward {\n        service_name kube-dns\n        service_name coredns\n    }"), "Corefile:4: kubeforward: service_name: given twice (first at Corefile:3)"),
                Arguments.of(block("    kubeforward {\n        service_name kube-dns\n        slow_queries 300s\n    }"), "Corefile:4: kubeforward: unknown option 'slow_queries'"),
                Arguments.of(block("    kubeforward {\n        service_name kube-dns\n        max_fails -1\n    }"), "Corefile:4: kubeforward: max_fails: -1 (expected: >= 0)"));
    }

    static Stream<Arguments> malformedKubeforwardEndpointOptions() {
        String k = "Corefile:4: kubeforward: ";
        return Stream.of(
                Arguments.of(forwardWith("        fallback 10.96.0.10"), "Corefile:3: forward: unknown option 'fallback'"),
                Arguments.of(kubeforwardWith("        fallback"), k + "fallback: wrong number of arguments: 0 (expected: 1 or more)"),
                Arguments.of(kubeforwardWith("        fallback 10.96.0.10 kube-dns.kube-system.svc"), k + "fallback: 'kube-dns.kube-system.svc' is not an IP address or IP:PORT"),
                Arguments.of(kubeforwardWith("        fallback 10.96.0.10 10.96.0.10:53"), k + "fallback: upstream dns://10.96.0.10:53 is listed twice"),
                Arguments.of(kubeforwardWith("        fallback " + sixteenUpstreams()), k + "fallback: 16 upstreams (expected: at most 15)"),
                Arguments.of(kubeforwardWith("        fallback 10.96.0.10:0"), k + "fallback: '10.96.0.10:0': port 0 (expected: 1-65535)"),
                Arguments.of(kubeforwardWith("        fallback https://1.1.1.1/dns-query"), k + "fallback: 'https://1.1.1.1/dns-query': DNS over HTTPS (https://) is not supported"),
                Arguments.of(kubeforwardWith("        fallback tls://1.1.1.1%"), k + "fallback: 'tls://1.1.1.1%': empty TLS server name after '%'"),
                Arguments.of(kubeforwardWith("        fallback {$FALLBACK}"), k + "fallback: empty upstream address (an environment variable that is not set?)"),
                Arguments.of(kubeforwardWith("        fallback 10.96.0.10\n        fallback 10.96.0.11"), "Corefile:5: kubeforward: fallback: given twice (first at Corefile:4)"),
                Arguments.of(kubeforwardWith("        snapshot"), k + "snapshot: wrong number of arguments: 0 (expected: 1)"),
                Arguments.of(kubeforwardWith("        snapshot /var/lib/a.json /var/lib/b.json"), k + "snapshot: wrong number of arguments: 2 (expected: 1)"),
                Arguments.of(kubeforwardWith("        snapshot /nonexistent/kubeforward/endpoints.json"), k + "snapshot: '/nonexistent/kubeforward/endpoints.json': directory /nonexistent/kubeforward does not exist"),
                Arguments.of(kubeforwardWith("        snapshot /"), k + "snapshot: '/' is a directory (expected: a file path)"),
                Arguments.of(kubeforwardWith("        snapshot \"{$SNAPSHOT}\""), k + "snapshot: empty path (an environment variable that is not set?)"),
                Arguments.of(kubeforwardWith("        snapshot /tmp/a.json {\n        }"), k + "snapshot: unexpected block (this takes no '{ }')"),
                Arguments.of(kubeforwardWith("        address_family inet6"), k + "address_family: 'inet6' (expected: ipv4, ipv6 or any)"),
                Arguments.of(kubeforwardWith("        address_family ipv4 ipv6"), k + "address_family: wrong number of arguments: 2 (expected: 1)"),
                Arguments.of(kubeforwardWith("        address_family ipv4\n        address_family ipv4"), "Corefile:5: kubeforward: address_family: given twice (first at Corefile:4)"),
                Arguments.of(kubeforwardWith("        prefer_zone"), k + "prefer_zone: wrong number of arguments: 0 (expected: 1)"),
                Arguments.of(kubeforwardWith("        prefer_zone \"\""), k + "prefer_zone: empty zone (expected: auto, off or a zone name)"),
                Arguments.of(kubeforwardWith("        prefer_zone zone-a zone-b"), k + "prefer_zone: wrong number of arguments: 2 (expected: 1)"),
                Arguments.of(kubeforwardWith("        prefer_zone auto\n        prefer_zone off"), "Corefile:5: kubeforward: prefer_zone: given twice (first at Corefile:4)"),
                Arguments.of(kubeforwardWith("        prefer_zone auto\n        min_local 0"), "Corefile:5: kubeforward: min_local: 0 (expected: >= 1)"),
                Arguments.of(kubeforwardWith("        prefer_zone auto\n        min_local two"), "Corefile:5: kubeforward: min_local: 'two' is not a number"),
                Arguments.of(kubeforwardWith("        prefer_zone auto\n        min_local"), "Corefile:5: kubeforward: min_local: wrong number of arguments: 0 (expected: 1)"),
                Arguments.of(kubeforwardWith("        min_local 2"), k + "min_local: has no effect while prefer_zone is off (expected: prefer_zone auto or ZONE)"),
                Arguments.of(kubeforwardWith("        min_local 2\n        prefer_zone off"), k + "min_local: has no effect while prefer_zone is off (expected: prefer_zone auto or ZONE)"),
                Arguments.of(kubeforwardWith("        prefer_zone auto\n        min_local 1\n        min_local 2"), "Corefile:6: kubeforward: min_local: given twice (first at Corefile:5)"));
    }

    static Stream<Arguments> malformedCache() {
        String c = "Corefile:3: cache: ";
        return Stream.of(
                Arguments.of(block("    cache 0"), "Corefile:2: cache: TTL 0 (expected: >= 1)"),
                Arguments.of(block("    cache -30"), "Corefile:2: cache: TTL -30 (expected: >= 1)"),
                Arguments.of(block("    cache 30s"), "Corefile:2: cache: TTL '30s' is not a number of seconds (expected: cache [TTL] [ZONES...], e.g. cache 30)"),
                Arguments.of(block("    cache 30 a..b"), "Corefile:2: cache: ZONE 'a..b' is not a valid domain name"),
                Arguments.of(block("    cache\n    cache 30"), "Corefile:3: cache: given twice (first at Corefile:2)"),
                Arguments.of(cacheWith("        success"), c + "success: wrong number of arguments: 0 (expected: 1 to 3)"),
                Arguments.of(cacheWith("        success 1 2 3 4"), c + "success: wrong number of arguments: 4 (expected: 1 to 3)"),
                Arguments.of(cacheWith("        success many"), c + "success: capacity 'many' is not a number"),
                Arguments.of(cacheWith("        success 0"), c + "success: capacity 0 (expected: >= 1)"),
                Arguments.of(cacheWith("        success 9984 0"), c + "success: TTL 0 (expected: >= 1)"),
                Arguments.of(cacheWith("        denial 9984 30s"), c + "denial: TTL '30s' is not a number of seconds"),
                Arguments.of(cacheWith("        denial 9984 30 -1"), c + "denial: min TTL -1 (expected: >= 0)"),
                Arguments.of(cacheWith("        denial 100\n        denial 200"), "Corefile:4: cache: denial: given twice (first at Corefile:3)"),
                Arguments.of(cacheWith("        prefetch"), c + "prefetch: wrong number of arguments: 0 (expected: 1 to 3)"),
                Arguments.of(cacheWith("        prefetch 0"), c + "prefetch: amount 0 (expected: >= 1)"),
                Arguments.of(cacheWith("        prefetch 10 1x"), c + "prefetch: invalid duration \"1x\" (expected e.g. 500ms, 5s, 1m30s)"),
                Arguments.of(cacheWith("        prefetch 10 1m 50"), c + "prefetch: percentage '50' must end with '%' (e.g. 10%)"),
                Arguments.of(cacheWith("        prefetch 10 1m 95%"), c + "prefetch: percentage 95% (expected: 10% to 90%)"),
                Arguments.of(cacheWith("        prefetch 10 0s"), c + "prefetch: duration 0s (expected: > 0)"),
                Arguments.of(cacheWith("        serve_stale 1h lazy"), c + "serve_stale: mode 'lazy' (expected: immediate or verify)"),
                Arguments.of(cacheWith("        serve_stale -1h"), c + "serve_stale: duration -1h0m0s (expected: > 0)"),
                Arguments.of(cacheWith("        serve_stale 1h immediate 30s"), c + "serve_stale: wrong number of arguments: 3 (expected: 0 to 2)"),
                Arguments.of(cacheWith("        serve_stale_policy prefer_positive"), c + "option 'serve_stale_policy' is not supported"),
                Arguments.of(cacheWith("        servfail 10m"), c + "servfail: 10m0s (expected: 0 to 5m; RFC 2308 caps it at 5 minutes)"),
                Arguments.of(cacheWith("        servfail"), c + "servfail: wrong number of arguments: 0 (expected: 1)"),
                Arguments.of(cacheWith("        disable both"), c + "disable: 'both' (expected: success or denial)"),
                Arguments.of(cacheWith("        disable denial a..b"), c + "disable: 'a..b' is not a valid domain name"),
                Arguments.of(cacheWith("        disable success\n        disable success"), "Corefile:4: cache: disable success: given twice (first at Corefile:3)"),
                Arguments.of(cacheWith("        keepttl yes"), c + "keepttl: wrong number of arguments: 1 (expected: 0)"),
                Arguments.of(cacheWith("        keepttl {\n        }"), c + "keepttl: unexpected block (this takes no '{ }')"),
                Arguments.of(cacheWith("        capacity 100"), c + "unknown option 'capacity'"));
    }

    private static String sixteenUpstreams() {
        return IntStream.rangeClosed(1, 16).mapToObj(i -> "10.0.0." + i).collect(Collectors.joining(" "));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource
    void malformed(String corefile, String message) {
        assertThatThrownBy(() -> TestCorefiles.parse(corefile))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }
}
