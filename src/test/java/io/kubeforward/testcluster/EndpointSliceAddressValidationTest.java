package io.kubeforward.testcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which addresses the API server takes in EndpointSlice endpoints (issue 3, item 6): loopback and link-local ones
 * are refused, so tests put upstream DNS servers on {@link NetnsTestHost}s, whose benchmarking-range addresses
 * are accepted.
 */
@RealKubernetesCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndpointSliceAddressValidationTest {

    private final DiscoveryV1Api discovery;
    private final String namespace = "addresses-" + UUID.randomUUID().toString().substring(0, 8);

    EndpointSliceAddressValidationTest(ApiClient client) {
        this.discovery = new DiscoveryV1Api(client);
    }

    @BeforeAll
    void createNamespace(ApiClient client) throws ApiException {
        new CoreV1Api(client).createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(namespace))).execute();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "IPv4, 127.0.0.1, may not be in the loopback range (127.0.0.0/8, ::1/128)",
            "IPv4, 127.53.0.7, may not be in the loopback range (127.0.0.0/8, ::1/128)",
            "IPv6, ::1, may not be in the loopback range (127.0.0.0/8, ::1/128)",
            "IPv4, 169.254.1.1, may not be in the link-local range (169.254.0.0/16, fe80::/10)",
            "IPv6, fe80::1, may not be in the link-local range (169.254.0.0/16, fe80::/10)",
    })
    void refuses(String addressType, String address, String reason) {
        assertThatThrownBy(() -> create(addressType, address))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getResponseBody()).contains(reason);
                });
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"IPv4, 198.18.0.2", "IPv4, 198.19.255.254", "IPv6, 2001:2:0:1::2"})
    void acceptsTestHostAddresses(String addressType, String address) throws ApiException {
        V1EndpointSlice created = create(addressType, address);

        assertThat(created.getEndpoints().getFirst().getAddresses()).containsExactly(address);
    }

    private V1EndpointSlice create(String addressType, String address) throws ApiException {
        return discovery.createNamespacedEndpointSlice(namespace, new V1EndpointSlice()
                        .metadata(new V1ObjectMeta().generateName("upstream-dns-")
                                .labels(Map.of("kubernetes.io/service-name", "upstream-dns")))
                        .addressType(addressType)
                        .endpoints(List.of(new V1Endpoint().addresses(List.of(address))))
                        .ports(List.of(new DiscoveryV1EndpointPort().name("dns").port(53).protocol("UDP"))))
                .execute();
    }
}
