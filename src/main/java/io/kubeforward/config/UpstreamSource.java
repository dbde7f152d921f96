package io.kubeforward.config;

/** Where a forward rule gets its upstreams from. */
public sealed interface UpstreamSource permits StaticUpstreams, KubernetesServiceUpstreams {

    /** A short human description for logs and {@code /actuator/upstreams}. */
    String describe();
}
