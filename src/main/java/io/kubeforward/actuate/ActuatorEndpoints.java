package io.kubeforward.actuate;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Optional;
import org.springframework.boot.actuate.info.InfoEndpoint;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;

/**
 * The endpoints the management port serves, once created ({@link ActuatorWebStack}): Spring Boot's health (with
 * its groups, whose HTTP status mapping applies) and info endpoints, the Prometheus registry, and kubeforward's
 * upstreams report.
 */
record ActuatorEndpoints(HealthEndpoint health, HealthEndpointGroups groups, InfoEndpoint info,
        Optional<PrometheusMeterRegistry> prometheus, UpstreamsEndpoint upstreams) {
}
