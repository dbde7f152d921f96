package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IpLiteralsTest {

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({"10.0.0.1, 10.0.0.1", "255.255.255.255, 255.255.255.255", "::1, 0:0:0:0:0:0:0:1",
            "fd00::a, fd00:0:0:0:0:0:0:a", "::ffff:10.0.0.1, 10.0.0.1", "0.0.0.0, 0.0.0.0"})
    void acceptsIpLiterals(String text, String address) {
        assertThat(IpLiterals.parse(text)).get().extracting(InetAddress::getHostAddress).isEqualTo(address);
    }

    /** Anything else, in particular a host name, is refused without a DNS lookup. */
    @ParameterizedTest(name = "[{index}] ''{0}''")
    @CsvSource({"localhost", "dns.google", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "' 1.2.3.4 '", "''",
            ":::", "fd00::g", "[::1]", "0x7f.0.0.1"})
    void refusesEverythingElse(String text) {
        assertThat(IpLiterals.parse(text)).isEmpty();
    }
}
