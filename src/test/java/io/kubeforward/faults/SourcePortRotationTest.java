package io.kubeforward.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.config.ForwardOptions;
import io.kubeforward.testing.ForwardingFixture;
import io.kubeforward.testing.LeakCheckExtension;
import io.kubeforward.testing.TestUpstream;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Queries to one upstream leave from a new source port every {@code QUERIES_PER_PORT} (1,000) queries, and answers
 * still owed to the previous socket are relayed: under 2,000 queries/s with a 30 ms upstream (so ~60 queries are
 * always in flight across each rotation), no client query fails and the upstream sees many source ports.
 */
@ExtendWith(LeakCheckExtension.class)
class SourcePortRotationTest {

    @Test
    void sourcePortChangesEveryThousandQueriesWithoutLosingAnswersInFlight() throws Exception {
        try (TestUpstream upstream = new TestUpstream(InetAddress.getLoopbackAddress(), InetAddress.getByName("10.0.0.1"))) {
            upstream.delay(30);
            try (ForwardingFixture fixture = ForwardingFixture.start(ForwardOptions.defaults(), upstream);
                    QueryLoad load = QueryLoad.start(fixture.address(), 2000, "example.", Duration.ofSeconds(2))) {
                QueryLoad.Window window = load.window("source-port-rotation");
                Thread.sleep(3_000);
                QueryLoad.Result result = load.finish(window);
                FaultReport.line(result, "upstream source ports seen: " + upstream.udpSourcePorts().size());

                assertThat(result.queries()).isGreaterThan(4_000);
                assertThat(result.failed()).as("failed queries").isZero();
                // One event loop per core sends, each rotating after 1,000 of its queries.
                assertThat(upstream.udpSourcePorts().size()).isGreaterThanOrEqualTo((int) (result.queries() / 1_000) - 1);
            }
        }
    }
}
