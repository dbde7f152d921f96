/**
 * Discovery: follow the EndpointSlices of a Service (list once, then watch and resume; built for thousands of
 * nodes watching one API server, docs/scale.md), turn them into an
 * immutable {@link io.kubeforward.discovery.EndpointSet}, publish {@link io.kubeforward.discovery.EndpointsChangedEvent}
 * when the effective set changes, keep the last set through API-server outages and on disk.
 */
package io.kubeforward.discovery;
