package io.kubeforward.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.availability.ApplicationAvailabilityBean;

/** The readiness file is decided at run time by {@code kubeforward.readiness.file}, not by a condition (Spring AOT). */
class ReadinessFileBeanTest {

    @Test
    void noFileConfiguredIsNoBeanAtAll() {
        assertThat(new ActuatorConfiguration().readinessFile("", new ApplicationAvailabilityBean(), null, null)).isNull();
    }

    @Test
    void aConfiguredFileIsABeanThatHasNotStarted(@TempDir Path dir) {
        ReadinessFile file = new ActuatorConfiguration().readinessFile(dir.resolve("ready").toString(), new ApplicationAvailabilityBean(), null, null);
        assertThat(file).isNotNull();
        assertThat(file.isRunning()).isFalse();
        assertThat(dir.resolve("ready")).doesNotExist();
    }
}
