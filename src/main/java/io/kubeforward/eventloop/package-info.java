/**
 * The Netty event loops that carry all DNS traffic (listeners, upstream sockets, health probes) and the channel
 * factories for them. Below {@code server}, {@code forward} and {@code upstream}, which all share them; it imports
 * no other package of kubeforward.
 */
package io.kubeforward.eventloop;
