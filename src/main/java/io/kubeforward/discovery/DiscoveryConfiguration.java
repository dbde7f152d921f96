package io.kubeforward.discovery;

import io.kubeforward.forward.Forwarding;
import io.kubernetes.client.openapi.ApiClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires EndpointSlice discovery. The {@link ApiClient} is an {@code ApiClient} bean when the context has one (tests
 * give theirs), else client-java's from {@code kubeforward.kubernetes.kubeconfig} or its standard order
 * ({@link KubernetesClients#creator}), made when a watcher first needs it ({@link LazyApiClient}); only a
 * {@code kubeforward} rule makes one.
 */
@Configuration(proxyBeanMethods = false)
public class DiscoveryConfiguration {

    @Bean
    KubernetesDiscovery kubernetesDiscovery(Forwarding forwarding, ObjectProvider<ApiClient> apiClients,
            ApplicationEventPublisher events, MeterRegistry registry, DiscoveryProperties properties) {
        return new KubernetesDiscovery(forwarding, () -> {
            ApiClient given = apiClients.getIfAvailable();
            return new LazyApiClient(given != null ? () -> given : KubernetesClients.creator(properties.kubeconfig()));
        }, events, registry, properties, Clock.systemUTC());
    }

    @Bean
    EndpointPoolUpdater endpointPoolUpdater(Forwarding forwarding, KubernetesDiscovery discovery) {
        return new EndpointPoolUpdater(forwarding, discovery);
    }
}
