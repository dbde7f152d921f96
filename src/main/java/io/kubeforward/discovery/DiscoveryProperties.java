package io.kubeforward.discovery;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How kubeforward reaches the API server ({@code kubeforward.kubernetes.*}).
 *
 * @param kubeconfig    kubeconfig file to use; empty = in-cluster service account, else {@code KUBECONFIG}, else
 *                      {@code ~/.kube/config} (client-java's standard order)
 * @param initialSyncTimeout at startup, how long the DNS listeners wait for the first list of a Service's
 *                      EndpointSlices when its pool has neither a snapshot on disk nor {@code fallback} upstreams
 * @param nodeName      this node's name, for {@code prefer_zone auto}; empty = env {@code NODE_NAME} (downward API)
 * @param nodeZone      this node's zone, for {@code prefer_zone auto} without reading the Node; empty = env
 *                      {@code KUBEFORWARD_NODE_ZONE}, else the Node's {@code topology.kubernetes.io/zone} label
 */
@ConfigurationProperties("kubeforward.kubernetes")
public record DiscoveryProperties(@DefaultValue("") String kubeconfig, @DefaultValue("5s") Duration initialSyncTimeout,
        @DefaultValue("") String nodeName, @DefaultValue("") String nodeZone) {

    public String effectiveNodeName() {
        return !nodeName.isBlank() ? nodeName : envOrEmpty("NODE_NAME");
    }

    public String effectiveNodeZone() {
        return !nodeZone.isBlank() ? nodeZone : envOrEmpty("KUBEFORWARD_NODE_ZONE");
    }

    private static String envOrEmpty(String name) {
        String value = System.getenv(name);
        return value == null ? "" : value.strip();
    }
}
