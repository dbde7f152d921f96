/**
 * The response cache of a server block (CoreDNS {@code cache} semantics): replies kept as raw wire bytes with
 * the offsets of their TTL fields, so a hit is a copy and a few in-place writes, never a parse. Entry point:
 * {@link io.kubeforward.cache.ResponseCache}.
 */
package io.kubeforward.cache;
