package io.kubeforward.nodelocal;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Node setup only where asked for ({@code kubeforward.node-setup.enabled}, on in the nodelocal profile). Decided here at
 * run time, not by a condition: Spring AOT fixes conditions when the jar is built, and the profile is chosen at start.
 * Without it the bean is null, so it neither starts, receives events nor registers its error counters.
 */
@Configuration(proxyBeanMethods = false)
public class NodeSetupConfiguration {

    @Bean
    NodeSetup nodeSetup(NodeSetupProperties properties, MeterRegistry registry) {
        return properties.enabled() ? new NodeSetup(properties, registry) : null;
    }
}
