/**
 * Discovery: follow the EndpointSlices of a Service through a client-java informer, turn them into an
 * immutable {@link io.kubeforward.discovery.EndpointSet}, publish {@link io.kubeforward.discovery.EndpointsChangedEvent}
 * when the effective set changes, keep the last set through API-server outages and on disk.
 */
package io.kubeforward.discovery;
