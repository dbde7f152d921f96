package io.kubeforward.actuate;

import io.kubeforward.discovery.KubernetesDiscovery;
import io.kubeforward.forward.Forwarding;
import io.kubeforward.server.DnsServer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Registers the DNS health indicator and the upstreams endpoint. */
@Configuration(proxyBeanMethods = false)
public class ActuatorConfiguration {

    @Bean
    DnsReadinessIndicator dnsHealthIndicator(DnsServer server, Forwarding forwarding) {
        return new DnsReadinessIndicator(server, forwarding);
    }

    @Bean
    UpstreamsEndpoint upstreamsEndpoint(Forwarding forwarding, KubernetesDiscovery discovery) {
        return new UpstreamsEndpoint(forwarding, discovery);
    }
}
