package io.kubeforward.nodelocal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Node setup is decided at run time by its property, not by a condition (Spring AOT would fix that at build time). */
class NodeSetupConfigurationTest {

    @Test
    void disabledNodeSetupIsNoBeanAtAll() {
        assertThat(new NodeSetupConfiguration().nodeSetup(properties(false))).isNull();
    }

    @Test
    void enabledNodeSetupIsABeanThatHasNotStarted() {
        NodeSetup setup = new NodeSetupConfiguration().nodeSetup(properties(true));
        assertThat(setup).isNotNull();
        assertThat(setup.isRunning()).isFalse();
    }

    private static NodeSetupProperties properties(boolean enabled) {
        return new NodeSetupProperties(enabled, "nodelocaldns", List.of("169.254.20.10"), 53, 0, true, true, Duration.ofSeconds(60), false);
    }
}
