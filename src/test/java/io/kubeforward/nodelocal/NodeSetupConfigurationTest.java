package io.kubeforward.nodelocal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Node setup is decided at run time by its property, not by a condition (Spring AOT would fix that at build time). */
class NodeSetupConfigurationTest {

    @Test
    void disabledNodeSetupIsNoBeanAtAllAndCountsNothing() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        assertThat(new NodeSetupConfiguration().nodeSetup(properties(false), registry)).isNull();
        assertThat(registry.find("kubeforward.nodesetup.errors").counters()).isEmpty();
    }

    @Test
    void enabledNodeSetupIsABeanThatHasNotStartedWithItsErrorCounters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        NodeSetup setup = new NodeSetupConfiguration().nodeSetup(properties(true), registry);
        assertThat(setup).isNotNull();
        assertThat(setup.isRunning()).isFalse();
        assertThat(registry.find("kubeforward.nodesetup.errors").counters()).extracting(c -> c.getId().getTag("type"))
                .containsExactlyInAnyOrder("interface", "iptables");
    }

    private static NodeSetupProperties properties(boolean enabled) {
        return new NodeSetupProperties(enabled, "nodelocaldns", List.of("169.254.20.10"), 53, 0, true, true, Duration.ofSeconds(60), false);
    }
}
