package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IpTextTest {

    @ParameterizedTest
    @CsvSource({
        "10.0.0.1, 10.0.0.1",
        "2001:2:0:d6e:0:0:0:2, 2001:2:0:d6e::2",
        "0:0:0:0:0:0:0:1, ::1",
        "0:0:0:0:0:0:0:0, ::",
        "fd00:0:0:1:0:0:0:a, fd00:0:0:1::a",
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "FD00:ABCD:0:0:0:0:0:0, fd00:abcd::",
    })
    void formatsCanonically(String input, String expected) throws Exception {
        assertThat(IpText.format(InetAddress.getByName(input))).isEqualTo(expected);
    }
}
