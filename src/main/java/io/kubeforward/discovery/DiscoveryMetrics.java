package io.kubeforward.discovery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;

/** Meters of one watched Service (see docs/metrics.md). */
final class DiscoveryMetrics {

    private final Counter eventsApplied;

    DiscoveryMetrics(MeterRegistry registry, String service, WatchStatus status, Supplier<EndpointSet> current) {
        Gauge.builder("kubeforward.discovery.watch.state", status, s -> s.state().ordinal())
                .description("Watch state: 0 starting, 1 watching, 2 disconnected (last endpoints kept)")
                .tag("service", service).register(registry);
        Gauge.builder("kubeforward.discovery.last.sync", status, s -> s.lastSync().map(t -> t.toEpochMilli() / 1000.0).orElse(0.0))
                .description("Unix time of the last successful list of the Service's EndpointSlices").baseUnit("seconds")
                .tag("service", service).register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("kubeforward.discovery.api.errors", status, WatchStatus::errors)
                .description("Failed list or watch calls to the API server").tag("service", service).register(registry);
        for (String condition : new String[] {"ready", "serving-terminating", "not-ready"}) {
            // Strong reference: the supplier lives only in this gauge (Micrometer keeps a weak one by default).
            Gauge.builder("kubeforward.discovery.endpoints", current, set -> set.get().count(condition)).strongReference(true)
                    .description("Endpoint addresses of the Service, by condition")
                    .tag("service", service).tag("condition", condition).register(registry);
        }
        eventsApplied = Counter.builder("kubeforward.discovery.events.applied")
                .description("Endpoint set changes published to the upstream pool").tag("service", service).register(registry);
    }

    void applied() {
        eventsApplied.increment();
    }
}
