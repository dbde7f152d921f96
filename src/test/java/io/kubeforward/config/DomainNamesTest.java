package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DomainNamesTest {

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @CsvSource({"'', .", "., .", "Cluster.Local, cluster.local.", "cluster.local., cluster.local.",
            "_dns._udp.example, _dns._udp.example.", "in-addr.arpa, in-addr.arpa."})
    void normalizesToLowerCaseAbsoluteNames(String name, String normalized) {
        assertThat(DomainNames.normalize(name)).isEqualTo(normalized);
    }

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @CsvSource({"a..b", "..", ".a", "a b", "a:53", "10.0.0.0/8", "a@b"})
    void rejectsMalformedNames(String name) {
        assertThatThrownBy(() -> DomainNames.normalize(name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + name + "' is not a valid domain name");
    }
}
