package io.kubeforward;

import io.kubeforward.config.KubeforwardConfig;
import io.kubeforward.discovery.EndpointPoolUpdater;
import io.kubeforward.discovery.KubernetesDiscovery;
import io.kubeforward.nodelocal.NodeSetup;
import io.kubeforward.forward.Forwarder;
import io.kubeforward.forward.Forwarding;
import io.kubeforward.eventloop.DnsEventLoops;
import io.kubeforward.server.DnsServer;
import io.kubeforward.server.DnsServerLifecycle;
import io.kubeforward.server.ListenerProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the DNS side: event loops, forwarding built from the configuration, listeners. */
@Configuration(proxyBeanMethods = false)
class DnsConfiguration {

    @Bean(destroyMethod = "close")
    DnsEventLoops dnsEventLoops(ListenerProperties properties) {
        return new DnsEventLoops(properties.effectiveIoThreads(), properties.nativeTransport());
    }

    @Bean(destroyMethod = "close")
    Forwarding forwarding(KubeforwardConfig config, DnsEventLoops loops, MeterRegistry registry, ListenerProperties properties) {
        return Forwarding.build(config, loops, registry, Clock.systemUTC(), properties.deadline());
    }

    @Bean(destroyMethod = "close")
    DnsServer dnsServer(DnsEventLoops loops, ListenerProperties properties, MeterRegistry registry) {
        return new DnsServer(loops, properties.settings(), registry);
    }

    @Bean
    DnsServerLifecycle dnsServerLifecycle(DnsServer server, Forwarding forwarding, ApplicationEventPublisher events,
            ListenerProperties properties, KubeforwardConfig config) {
        // The Corefile's health { lameduck D } and the property: the longer one wins.
        Duration lameduck = config.status().lameduck().filter(d -> d.compareTo(properties.lameduck()) > 0).orElse(properties.lameduck());
        return new DnsServerLifecycle(server, forwarding, events, lameduck, properties.drainTimeout());
    }

    /**
     * Opens the listeners while it is created when the pools need no API server first ({@link DnsStartup}). The pool
     * updater is a parameter so that it exists before the snapshot's endpoints are published.
     */
    @Bean
    DnsStartup dnsStartup(KubernetesDiscovery discovery, ObjectProvider<NodeSetup> nodeSetup, DnsServerLifecycle dns,
            EndpointPoolUpdater poolUpdater) {
        DnsStartup startup = new DnsStartup(discovery, Optional.ofNullable(nodeSetup.getIfAvailable()), dns);
        startup.openEarly();
        return startup;
    }
}
