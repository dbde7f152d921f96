package io.kubeforward.server;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the DNS side runs ({@code kubeforward.listener.*}).
 *
 * @param ioThreads         event-loop threads for all DNS traffic; 0 = one per available processor
 * @param nativeTransport   use native epoll when available (else NIO)
 * @param udpSockets        UDP sockets per listening address with SO_REUSEPORT; 0 = one per event loop
 * @param tcpIdleTimeout    close a client TCP connection idle this long with nothing in flight
 * @param tcpReadTimeout    close a client TCP connection whose message has not arrived whole this long after its
 *                          first byte (a client trickling bytes, "slowloris")
 * @param maxTcpConnections open client TCP connections per listening address; more are closed at once
 * @param maxPipelined      unanswered queries per client TCP connection before it stops reading
 * @param deadline          overall time to answer one query before SERVFAIL (CoreDNS: 5s)
 * @param lameduck          on shutdown, how long to keep answering after readiness went DOWN, so that traffic
 *                          moves elsewhere first (0 = none; the nodelocal profile uses 5s)
 * @param drainTimeout      on shutdown, after the listeners closed, how long to wait for queries in flight
 */
@ConfigurationProperties("kubeforward.listener")
public record ListenerProperties(
        @DefaultValue("0") int ioThreads,
        @DefaultValue("true") boolean nativeTransport,
        @DefaultValue("0") int udpSockets,
        @DefaultValue("10s") Duration tcpIdleTimeout,
        @DefaultValue("3s") Duration tcpReadTimeout,
        @DefaultValue("1000") int maxTcpConnections,
        @DefaultValue("64") int maxPipelined,
        @DefaultValue("5s") Duration deadline,
        @DefaultValue("0s") Duration lameduck,
        @DefaultValue("6s") Duration drainTimeout) {

    public int effectiveIoThreads() {
        return ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
    }

    public ListenerSettings settings() {
        return new ListenerSettings(udpSockets, tcpIdleTimeout, tcpReadTimeout, maxTcpConnections, maxPipelined);
    }
}
