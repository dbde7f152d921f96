package io.kubeforward.config;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Exposes the {@link KubeforwardConfig} read at startup; an invalid configuration fails the startup. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(KubeforwardProperties.class)
public class ConfigConfiguration {

    @Bean
    KubeforwardConfig kubeforwardConfig(KubeforwardProperties properties) {
        return new ConfigLoader(new CorefileSource(EnvSubstitution.fromSystem()), new PropertiesMapper()).load(properties);
    }
}
