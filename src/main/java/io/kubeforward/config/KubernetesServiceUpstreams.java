package io.kubeforward.config;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * Upstreams are the endpoints of a Kubernetes Service, followed through its EndpointSlices.
 *
 * @param namespace   namespace of the Service; empty means the pod's own namespace, else {@code kube-system}
 * @param serviceName name of the Service (required)
 * @param portName    name of the Service port to use; empty means: the port given by {@code port}, or the
 *                    Service's only port
 * @param port        numeric port, the alternative to {@code portName}
 * @param fallback    upstreams used only while no endpoint is known (e.g. the Service's ClusterIP); may be empty
 * @param snapshot    file where every applied endpoint set is saved, and read at startup when the API server
 *                    cannot be reached
 * @param addressFamily which endpoint addresses to use
 * @param zonePreference topology preference ({@code prefer_zone}, {@code min_local})
 */
public record KubernetesServiceUpstreams(String namespace, String serviceName, String portName, OptionalInt port,
        java.util.List<UpstreamAddress> fallback, java.util.Optional<java.nio.file.Path> snapshot, AddressFamily addressFamily,
        ZonePreference zonePreference)
        implements UpstreamSource {

    /** The original plugin's options only: no fallback, no snapshot, any family, no zone preference. */
    public KubernetesServiceUpstreams(String namespace, String serviceName, String portName, OptionalInt port) {
        this(namespace, serviceName, portName, port, java.util.List.of(), java.util.Optional.empty(), AddressFamily.ANY,
                ZonePreference.OFF);
    }

    public KubernetesServiceUpstreams {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(serviceName, "serviceName");
        Objects.requireNonNull(portName, "portName");
        Objects.requireNonNull(port, "port");
        fallback = java.util.List.copyOf(fallback);
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(addressFamily, "addressFamily");
        Objects.requireNonNull(zonePreference, "zonePreference");
        if (serviceName.isBlank()) {
            throw new IllegalArgumentException("service_name is required");
        }
    }

    @Override
    public String describe() {
        return "kubernetes:" + (namespace.isEmpty() ? "<pod namespace>" : namespace) + "/" + serviceName
                + (portName.isEmpty() ? "" : ":" + portName);
    }
}
