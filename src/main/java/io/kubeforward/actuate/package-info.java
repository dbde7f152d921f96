/** Actuator contributions: DNS readiness and the {@code upstreams} endpoint. */
package io.kubeforward.actuate;
