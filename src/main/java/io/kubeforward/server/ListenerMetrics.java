package io.kubeforward.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/** Meters of one listening address: malformed input and TCP connections. */
final class ListenerMetrics {

    private final Counter malformedUdp;
    private final Counter malformedTcp;
    private final Counter tcpRejected;
    private final Counter tcpReadTimeouts;
    final AtomicInteger tcpConnections = new AtomicInteger();

    ListenerMetrics(MeterRegistry registry, String server) {
        malformedUdp = Counter.builder("kubeforward.dns.malformed").description("Queries dropped or answered FORMERR/NOTIMP")
                .tag("server", server).tag("proto", "udp").register(registry);
        malformedTcp = Counter.builder("kubeforward.dns.malformed").description("Queries dropped or answered FORMERR/NOTIMP")
                .tag("server", server).tag("proto", "tcp").register(registry);
        tcpRejected = Counter.builder("kubeforward.dns.tcp.connections.rejected")
                .description("TCP connections closed at once because the connection cap was reached")
                .tag("server", server).register(registry);
        tcpReadTimeouts = Counter.builder("kubeforward.dns.tcp.read.timeouts")
                .description("TCP connections closed because a message did not arrive whole within tcp-read-timeout")
                .tag("server", server).register(registry);
        Gauge.builder("kubeforward.dns.tcp.connections", tcpConnections, AtomicInteger::get)
                .description("Open client TCP connections").tag("server", server).register(registry);
    }

    void malformed(boolean tcp) {
        (tcp ? malformedTcp : malformedUdp).increment();
    }

    void tcpRejected() {
        tcpRejected.increment();
    }

    void tcpReadTimeout() {
        tcpReadTimeouts.increment();
    }
}
