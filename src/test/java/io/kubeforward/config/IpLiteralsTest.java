package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.testing.LookupGuard;
import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@SuppressWarnings("unchecked")
class IpLiteralsTest {

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({"10.0.0.1, 10.0.0.1", "255.255.255.255, 255.255.255.255", "::1, 0:0:0:0:0:0:0:1",
            "fd00::a, fd00:0:0:0:0:0:0:a", "::ffff:10.0.0.1, 10.0.0.1", "0.0.0.0, 0.0.0.0", "fe80::1%1, fe80:0:0:0:0:0:0:1%1"})
    void acceptsIpLiterals(String text, String address) {
        assertThat(IpLiterals.parse(text)).get().extracting(InetAddress::getHostAddress).isEqualTo(address);
    }

    /**
     * Anything else, in particular a host name, is refused without a DNS lookup. {@code .:5} and its kin were looked
     * up before (found by CorefileFuzzTest, seed found-ip-literal-lookup): they matched the IPv6 pattern, but
     * InetAddress reads text as a literal only when it starts with a hex digit or a colon. Netty's NetUtil parses them
     * now and never looks anything up; an interface zone is read from the kernel.
     */
    @ParameterizedTest(name = "[{index}] ''{0}''")
    @CsvSource({"localhost", "dns.google", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "' 1.2.3.4 '", "''",
            ":::", "fd00::g", "[::1]", "0x7f.0.0.1", ".:5", ".:", "..::1", ".1:2", "fe80::1%no-such-link0",
            "10.0.0.1%lo", "example.org%lo", "1::2::3"})
    void refusesEverythingElse(String text) {
        Optional<InetAddress>[] parsed = new Optional[1];
        assertThat(LookupGuard.forbid(() -> parsed[0] = IpLiterals.parse(text))).as("name looked up").isNull();
        assertThat(parsed[0]).isEmpty();
    }
}
