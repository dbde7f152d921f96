package io.kubeforward.server;

import java.time.Duration;

/**
 * Limits of the client-facing sockets ({@code kubeforward.listener.*}).
 *
 * @param udpSockets     UDP sockets per address with SO_REUSEPORT (native transport only); 0 = one per event loop
 * @param tcpIdleTimeout a TCP connection with nothing in flight is closed after this long without a query
 * @param tcpReadTimeout a TCP message must arrive whole within this long of its first byte, else the connection is closed
 * @param maxTcpConnections open client TCP connections per address; more are closed at once
 * @param maxPipelined   unanswered queries per TCP connection before it stops reading
 */
public record ListenerSettings(int udpSockets, Duration tcpIdleTimeout, Duration tcpReadTimeout, int maxTcpConnections,
        int maxPipelined) {

    public static ListenerSettings defaults() {
        return new ListenerSettings(0, Duration.ofSeconds(10), Duration.ofSeconds(3), 1000, 64);
    }
}
