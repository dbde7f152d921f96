package io.kubeforward.nodelocal;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Node setup only where asked for ({@code kubeforward.node-setup.enabled}, on in the nodelocal profile). */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "kubeforward.node-setup.enabled", havingValue = "true")
public class NodeSetupConfiguration {

    @Bean
    NodeSetup nodeSetup(NodeSetupProperties properties, MeterRegistry registry) {
        return new NodeSetup(properties, registry);
    }
}
