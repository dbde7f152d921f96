package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

class ConfigConfigurationTest {

    @TempDir
    Path dir;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(ConfigConfiguration.class);

    @Test
    void exposesTheConfigurationFromYamlProperties() {
        runner.withPropertyValues("kubeforward.servers[0].zones=.", "kubeforward.servers[0].port=0",
                        "kubeforward.servers[0].forward.to=192.0.2.1")
                .run(context -> assertThat(context).getBean(KubeforwardConfig.class)
                        .satisfies(c -> assertThat(c.servers().get(0).port()).isZero()));
    }

    @Test
    void theCorefileComesFromTheEnvironmentVariableThroughRelaxedBinding() throws IOException {
        Path corefile = Files.writeString(dir.resolve("Corefile"), "example.org:1053 {\n}\n");
        runner.withInitializer(context -> context.getEnvironment().getPropertySources().replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                Map.of("KUBEFORWARD_COREFILE", corefile.toString()))))
                .withPropertyValues("kubeforward.servers[0].zones=.", "kubeforward.servers[0].forward.to=192.0.2.1")
                .run(context -> assertThat(context).getBean(KubeforwardConfig.class)
                        .satisfies(c -> assertThat(c.origin()).isEqualTo("Corefile " + corefile)));
    }

    @Test
    void anInvalidConfigurationFailsTheStartupWithTheConfigException() {
        runner.withPropertyValues("kubeforward.servers[0].zones=.", "kubeforward.servers[0].forward.to=192.0.2.1",
                        "kubeforward.servers[0].forward.max-fails=-1")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .rootCause().isInstanceOf(ConfigException.class)
                        .hasMessage("kubeforward.servers[0].forward.max-fails: -1 (expected: >= 0)"));
    }

    @Test
    void aConfigExceptionIsReportedByTheFailureAnalyzerWithItsLocationFirst() {
        var analysis = new ConfigFailureAnalyzer().analyze(new IllegalStateException("wrapper",
                new ConfigException("Corefile:7", "forward: unknown option 'max_fail'")));
        assertThat(analysis.getDescription())
                .isEqualTo("Invalid kubeforward configuration: Corefile:7: forward: unknown option 'max_fail'");
        assertThat(analysis.getAction()).startsWith("Fix Corefile:7 ");
    }

    @Test
    void theNodelocalProfileServesTheNodeLocalDnsLayout() {
        assumeThat(Path.of("/etc/resolv.conf")).isRegularFile();
        runner.withInitializer(new ConfigDataApplicationContextInitializer())
                .withPropertyValues("spring.profiles.active=nodelocal")
                .run(context -> assertThat(context).getBean(KubeforwardConfig.class).satisfies(c -> {
                    assertThat(c.servers()).extracting(ServerBlock::zones).containsExactly(
                            List.of("cluster.local.", "in-addr.arpa.", "ip6.arpa."), List.of("."));
                    assertThat(c.servers()).allSatisfy(s -> {
                        assertThat(s.port()).isEqualTo(53);
                        assertThat(s.bindAddresses()).extracting(a -> a.getHostAddress()).containsExactly("169.254.20.10");
                    });
                    assertThat(c.servers().get(0).forward().orElseThrow().source())
                            .isEqualTo(new KubernetesServiceUpstreams("kube-system", "kube-dns", "dns", OptionalInt.empty()));
                    assertThat(c.servers().get(0).forward().orElseThrow().options().forceTcp()).isTrue();
                }));
    }

    @Test
    void theLocalProfileIsTheDefaultAndServesLoopbackPort1053() {
        assumeThat(Path.of("/etc/resolv.conf")).isRegularFile();
        runner.withInitializer(new ConfigDataApplicationContextInitializer())
                .run(context -> assertThat(context).getBean(KubeforwardConfig.class).satisfies(c -> {
                    assertThat(c.servers()).singleElement().satisfies(s -> {
                        assertThat(s.zones()).containsExactly(".");
                        assertThat(s.port()).isEqualTo(1053);
                        assertThat(s.bindAddresses()).extracting(a -> a.getHostAddress()).containsExactly("127.0.0.1");
                        assertThat(s.forward().orElseThrow().source()).isInstanceOf(StaticUpstreams.class);
                    });
                }));
    }
}
