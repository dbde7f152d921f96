package io.kubeforward.discovery;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How kubeforward reaches the API server ({@code kubeforward.kubernetes.*}).
 *
 * @param kubeconfig    kubeconfig file to use; empty = in-cluster service account, else {@code KUBECONFIG}, else
 *                      {@code ~/.kube/config} (client-java's standard order)
 * @param snapshotAfter how long to wait for the first list of a Service's EndpointSlices before serving its
 *                      snapshot (if {@code snapshot} is set)
 */
@ConfigurationProperties("kubeforward.kubernetes")
public record DiscoveryProperties(@DefaultValue("") String kubeconfig, @DefaultValue("2s") Duration snapshotAfter) {
}
