package io.kubeforward.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which endpoints are forwarded to: ready ones; else serving while terminating; else not ready but staying; else none. */
class EndpointSetTest {

    private static DiscoveredEndpoint endpoint(String ip, boolean ready, boolean serving, boolean terminating) throws Exception {
        return new DiscoveredEndpoint(InetAddress.getByName(ip), 53, ready, serving, terminating, "", "", "kube-dns-1", List.of());
    }

    @Test
    void readyEndpointsWinOverEveryOther() throws Exception {
        DiscoveredEndpoint ready = endpoint("10.0.0.1", true, true, false);
        EndpointSet set = new EndpointSet(List.of(endpoint("10.0.0.2", false, true, true), endpoint("10.0.0.3", false, false, false), ready));
        assertThat(set.effective()).containsExactly(ready);
        assertThat(set.effectiveAreNotReady()).isFalse();
    }

    @Test
    void servingWhileTerminatingWinsOverNotReady() throws Exception {
        DiscoveredEndpoint terminating = endpoint("10.0.0.2", false, true, true);
        EndpointSet set = new EndpointSet(List.of(endpoint("10.0.0.3", false, false, false), terminating, endpoint("10.0.0.4", false, false, true)));
        assertThat(set.effective()).containsExactly(terminating);
        assertThat(set.effectiveAreNotReady()).isTrue();
    }

    @Test
    void notReadyButStayingAreTheLastResortAndTerminatingOnesNever() throws Exception {
        DiscoveredEndpoint a = endpoint("10.0.0.3", false, false, false);
        DiscoveredEndpoint b = endpoint("10.0.0.5", false, false, false);
        EndpointSet set = new EndpointSet(List.of(b, endpoint("10.0.0.4", false, false, true), a));
        assertThat(set.effective()).containsExactly(a, b);
        assertThat(set.effectiveAreNotReady()).isTrue();
        assertThat(a.condition()).isEqualTo("not-ready");
    }

    @Test
    void goneOrOnlyLeavingMeansNone() throws Exception {
        assertThat(EndpointSet.EMPTY.effective()).isEmpty();
        assertThat(new EndpointSet(List.of(endpoint("10.0.0.4", false, false, true))).effective()).isEmpty();
        assertThat(EndpointSet.EMPTY.effectiveAreNotReady()).isFalse();
    }
}
