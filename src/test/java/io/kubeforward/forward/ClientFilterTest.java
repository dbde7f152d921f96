package io.kubeforward.forward;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.config.Cidr;
import io.kubeforward.config.ClientAcl;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The compiled acl: CoreDNS's first-match semantics over IPv4 and IPv6, counted, without allocating. */
class ClientFilterTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private ClientFilter filter(ClientAcl.Rule... rules) {
        return ClientFilter.of(new ClientAcl(List.of(rules)), registry, "dns://test", ".");
    }

    private static ClientAcl.Rule allow(String... nets) {
        return new ClientAcl.Rule(true, Arrays.stream(nets).flatMap(n -> Cidr.parseSource(n).stream()).toList());
    }

    private static ClientAcl.Rule block(String... nets) {
        return new ClientAcl.Rule(false, Arrays.stream(nets).flatMap(n -> Cidr.parseSource(n).stream()).toList());
    }

    /** {@code ::ffff:a.b.c.d} stays an IPv6 address, as a dual-stack socket may report an IPv4 client. */
    private static InetSocketAddress client(String ip) throws Exception {
        InetAddress address = InetAddress.getByName(ip); // a literal: no lookup
        if (ip.startsWith("::ffff:")) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xFF;
            mapped[11] = (byte) 0xFF;
            System.arraycopy(address.getAddress(), 0, mapped, 12, 4);
            address = java.net.Inet6Address.getByAddress(null, mapped, -1);
        }
        return new InetSocketAddress(address, 5353);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"10.1.2.3, true", "10.255.0.1, true", "10.0.0.0, true", "11.0.0.1, false", "192.168.1.7, true",
        "192.168.1.8, false", "fd00::1, true", "fe80::1, false", "::1, false", "::ffff:10.1.2.3, true", "::ffff:11.0.0.1, false"})
    void anAllowListRefusesEveryoneElse(String ip, boolean allowed) throws Exception {
        ClientFilter filter = filter(allow("10.0.0.0/8", "192.168.1.7", "fd00::/8"), block("*"));
        assertThat(filter.allows(client(ip))).isEqualTo(allowed);
        assertThat(registry.get("kubeforward.dns.acl.refused").counter().count()).isEqualTo(allowed ? 0 : 1);
    }

    @Test
    void theFirstMatchingRuleDecidesAndNoMatchAllows() throws Exception {
        ClientFilter filter = filter(block("10.1.0.0/16"), allow("10.0.0.0/8"), block("0.0.0.0/1"));
        assertThat(filter.allows(client("10.1.0.9"))).isFalse();
        assertThat(filter.allows(client("10.2.0.9"))).isTrue();
        assertThat(filter.allows(client("99.0.0.1"))).isFalse();
        assertThat(filter.allows(client("200.0.0.1"))).as("no rule matches").isTrue();
        assertThat(filter.allows(client("2001:db8::1"))).as("no IPv6 rule").isTrue();
    }

    @Test
    void prefixesOfEveryLengthMatchTheirBlockOnly() throws Exception {
        assertThat(filter(block("2001:db8:0:0:8000::/65")).allows(client("2001:db8::8000:0:0:1"))).isFalse();
        assertThat(filter(block("2001:db8::/65")).allows(client("2001:db8::8000:0:0:1"))).isTrue();
        assertThat(filter(block("2001:db8::/32")).allows(client("2001:db9::"))).isTrue();
        assertThat(filter(block("::1/128")).allows(client("::1"))).isFalse();
        assertThat(filter(block("0.0.0.0/0")).allows(client("::1"))).as("IPv4 nets never match IPv6 clients").isTrue();
    }

    @Test
    void noAclIsFreeAndCountsNothing() throws Exception {
        assertThat(ClientFilter.of(ClientAcl.ALLOW_ALL, registry, "dns://test", ".")).isSameAs(ClientFilter.ALLOW_ALL);
        assertThat(ClientFilter.ALLOW_ALL.allows(client("10.0.0.1"))).isTrue();
        assertThat(registry.find("kubeforward.dns.acl.refused").counter()).isNull();
    }

    /**
     * Checking an IPv4 client allocates nothing (after warm-up): its address is read from its hash code. An IPv6
     * client costs the one copy {@code Inet6Address.getAddress()} makes (16 bytes plus the array header).
     */
    @Test
    void checkingAnIpv4ClientAllocatesNothingAndAnIpv6ClientOneAddressCopy() throws Exception {
        ClientFilter filter = filter(allow("10.0.0.0/8", "fd00::/8"), block("*"));
        InetSocketAddress v4 = client("10.9.8.7");
        InetSocketAddress v6 = client("fd00::7");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (InetSocketAddress address : List.of(v4, v6)) {
            boolean allowed = false;
            for (int i = 0; i < 200_000; i++) {
                allowed |= filter.allows(address); // warm up: let C2 compile it
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100_000; i++) {
                allowed &= filter.allows(address);
            }
            long perCheck = (threads.getCurrentThreadAllocatedBytes() - before) / 100_000;
            assertThat(allowed).isTrue();
            assertThat(perCheck).as("bytes allocated per check of %s", address).isEqualTo(address == v4 ? 0 : 32);
        }
    }
}
