package io.kubeforward.actuate;

import io.kubeforward.config.ConfigException;
import io.kubeforward.config.IpText;
import io.kubeforward.config.KubeforwardConfig;
import io.kubeforward.discovery.KubernetesDiscovery;
import io.kubeforward.forward.Forwarding;
import io.kubeforward.server.DnsServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;

/**
 * Registers the management port with the actuator's routes, the DNS health indicator, the Corefile's status endpoints,
 * the readiness file and the upstreams endpoint.
 */
@Configuration(proxyBeanMethods = false)
public class ActuatorConfiguration {

    /** Every bean eager but the actuator's web stack, which {@link ActuatorWebStack} creates once DNS serves. */
    @Bean
    static LazyInitializationExcludeFilter actuatorWebStackIsLazy() {
        return ActuatorWebStack.FILTER;
    }

    @Bean
    ActuatorWebStack actuatorWebStack(BeanFactory beans) {
        return new ActuatorWebStack(beans);
    }

    /** The management port: {@code management.server.port}, else {@code server.port} (8080); -1 turns it off. */
    @Bean
    ManagementServer managementServer(ActuatorWebStack actuator, ConfigurableEnvironment environment) {
        int port = managementPort(environment);
        String host = environment.getProperty("management.server.address", environment.getProperty("server.address", ""));
        InetSocketAddress address = port < 0 ? null : host.isBlank() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
        return new ManagementServer(address, new ActuatorRoutes(actuator::endpoints), environment);
    }

    private static int managementPort(Environment environment) {
        return environment.getProperty("management.server.port", Integer.class,
                environment.getProperty("server.port", Integer.class, 8080));
    }

    @Bean
    DnsReadinessIndicator dnsHealthIndicator(DnsServer server, Forwarding forwarding) {
        return new DnsReadinessIndicator(server, forwarding);
    }

    @Bean
    StatusHttpEndpoints statusHttpEndpoints(KubeforwardConfig config, ApplicationAvailability availability, DnsReadinessIndicator dns,
            ObjectProvider<PrometheusMeterRegistry> prometheus, Environment environment) {
        int managementPort = managementPort(environment);
        for (InetSocketAddress address : config.status().addresses()) {
            if (address.getPort() == managementPort) {
                throw new ConfigException(config.origin(), "the health/ready/prometheus address "
                        + IpText.hostPort(address.getAddress(), address.getPort())
                        + " uses the management port (server.port " + managementPort + "); move one of them");
            }
        }
        return new StatusHttpEndpoints(config.status(), availability, dns, Optional.ofNullable(prometheus.getIfAvailable()));
    }

    /**
     * Only with {@code kubeforward.readiness.file} set (the chart sets it for its exec readiness probe); else null, so
     * never started. Decided here, not by a condition: Spring AOT fixes conditions when the jar is built.
     */
    @Bean
    ReadinessFile readinessFile(@Value("${kubeforward.readiness.file:}") String file, ApplicationAvailability availability,
            DnsReadinessIndicator dns, ActuatorWebStack actuator) {
        if (file.isBlank()) {
            return null;
        }
        return new ReadinessFile(Path.of(file), () -> availability.getReadinessState() == ReadinessState.ACCEPTING_TRAFFIC
                && actuator.isReady() && Status.UP.equals(dns.health().getStatus()), Clock.systemUTC());
    }

    @Bean
    UpstreamsEndpoint upstreamsEndpoint(Forwarding forwarding, KubernetesDiscovery discovery) {
        return new UpstreamsEndpoint(forwarding, discovery);
    }
}
