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
    StatusHttpEndpoints statusHttpEndpoints(io.kubeforward.config.KubeforwardConfig config,
            org.springframework.boot.availability.ApplicationAvailability availability, DnsReadinessIndicator dns,
            org.springframework.beans.factory.ObjectProvider<io.micrometer.prometheusmetrics.PrometheusMeterRegistry> prometheus,
            org.springframework.core.env.Environment environment) {
        int managementPort = environment.getProperty("management.server.port", Integer.class,
                environment.getProperty("server.port", Integer.class, 8080));
        for (java.net.InetSocketAddress address : config.status().addresses()) {
            if (address.getPort() == managementPort) {
                throw new io.kubeforward.config.ConfigException(config.origin(), "the health/ready/prometheus address "
                        + io.kubeforward.config.IpText.hostPort(address.getAddress(), address.getPort())
                        + " uses the management port (server.port " + managementPort + "); move one of them");
            }
        }
        return new StatusHttpEndpoints(config.status(), availability, dns, java.util.Optional.ofNullable(prometheus.getIfAvailable()));
    }

    @Bean
    UpstreamsEndpoint upstreamsEndpoint(Forwarding forwarding, KubernetesDiscovery discovery) {
        return new UpstreamsEndpoint(forwarding, discovery);
    }
}
