package io.kubeforward.nodelocal;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Node setup only where asked for ({@code kubeforward.node-setup.enabled}, on in the nodelocal profile). Decided here at
 * run time, not by a condition: Spring AOT fixes conditions when the jar is built, and the profile is chosen at start.
 * Without it the bean is null, so it neither starts nor receives events.
 */
@Configuration(proxyBeanMethods = false)
public class NodeSetupConfiguration {

    @Bean
    NodeSetup nodeSetup(NodeSetupProperties properties) {
        return properties.enabled() ? new NodeSetup(properties) : null;
    }
}
