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
 */
public record KubernetesServiceUpstreams(String namespace, String serviceName, String portName, OptionalInt port)
        implements UpstreamSource {

    public KubernetesServiceUpstreams {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(serviceName, "serviceName");
        Objects.requireNonNull(portName, "portName");
        Objects.requireNonNull(port, "port");
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
