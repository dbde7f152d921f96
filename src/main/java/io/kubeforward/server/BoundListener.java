package io.kubeforward.server;

import java.net.InetSocketAddress;

/**
 * A listening address as bound.
 *
 * @param address    the address and (actual) port, UDP and TCP alike
 * @param udpSockets how many UDP sockets share the port
 * @param zones      the zones served there
 */
public record BoundListener(InetSocketAddress address, int udpSockets, java.util.List<String> zones) {
}
