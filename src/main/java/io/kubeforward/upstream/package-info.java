/**
 * Upstreams: one upstream's sockets and health, the pool of upstreams behind a forward rule (an immutable
 * snapshot swapped atomically), selection policies and scheduled health checks.
 */
package io.kubeforward.upstream;
