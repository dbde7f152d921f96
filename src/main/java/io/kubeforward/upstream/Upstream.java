package io.kubeforward.upstream;

import io.kubeforward.config.Transport;
import io.kubeforward.config.UpstreamAddress;
import io.kubeforward.eventloop.DnsEventLoops;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.security.SecureRandom;

/**
 * One upstream DNS server: its health and counters (shared by all threads, all atomic) and its sockets
 * (one UDP socket and one TCP pool per event loop, each touched only by its own loop).
 */
public final class Upstream {

    private volatile UpstreamAddress address;
    private final DnsEventLoops loops;
    private final ConnectionSettings settings;
    private final UpstreamCounters counters;
    private final LoopSockets[] sockets;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder queries = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final AtomicLong rttEwmaNanos = new AtomicLong();
    private final RttEstimator udpRtt = new RttEstimator();
    /** TCP and TLS exchanges apart: their samples include the handshakes of new connections. */
    private final RttEstimator tcpRtt = new RttEstimator();
    private volatile Instant lastProbe;
    private volatile long lastProbeRttNanos = -1;
    private volatile boolean lastProbeSucceeded;
    private volatile boolean closed;

    public Upstream(UpstreamAddress address, DnsEventLoops loops, ConnectionSettings settings, UpstreamCounters counters) {
        this.address = address;
        this.loops = loops;
        this.settings = settings;
        this.counters = counters;
        this.sockets = new LoopSockets[loops.size()];
    }

    public UpstreamAddress address() {
        return address;
    }

    /** Updates where this upstream was learnt from; its socket address and transport never change. */
    void describe(UpstreamAddress same) {
        this.address = same;
    }

    /**
     * Sends {@code query} (its ID is overwritten with a random one) on the calling event loop.
     *
     * @param tcp whether to use TCP (always true for {@code tls://} upstreams)
     */
    public void exchange(EventLoop loop, ByteBuf query, int questionEnd, boolean tcp, long timeoutNanos,
            ExchangeListener listener) {
        if (closed) {
            listener.onFailure(ExchangeFailure.REMOVED);
            return;
        }
        LoopSockets local = socketsFor(loop);
        if (tcp || address.transport() == Transport.TLS) {
            local.tcp.exchange(query, questionEnd, timeoutNanos, listener);
        } else {
            local.udp.exchange(query, questionEnd, timeoutNanos, listener, loops.datagramChannels(address.address().getAddress()),
                    settings.sourceAddress());
        }
    }

    private LoopSockets socketsFor(EventLoop loop) {
        int index = loops.indexOf(loop);
        LoopSockets local = sockets[index];
        if (local == null) {
            local = new LoopSockets(loop);
            sockets[index] = local;
        }
        return local;
    }

    /** Whether this upstream counts as down: more than {@code maxFails} consecutive failed health checks. */
    public boolean isDown(int maxFails) {
        return maxFails > 0 && consecutiveFailures.get() > maxFails;
    }

    public int consecutiveFailures() {
        return consecutiveFailures.get();
    }

    /**
     * How long an attempt to this upstream waits for its answer: its adaptive timeout (RFC 6298's
     * {@code srtt + max(100 ms, 4 × rttvar)} from answered exchanges, see {@link RttEstimator}) capped by
     * {@code ceilingNanos}. UDP and TCP/TLS keep separate estimates: a stream exchange may include a new connection's
     * handshake, whose round trips its own samples then carry. Without the TCP estimate a frozen pod, whose kernel
     * still accepts connections and data, held every query sent to it for the whole {@code read_timeout}.
     */
    public long attemptTimeoutNanos(boolean tcp, long ceilingNanos) {
        return (overUdp(tcp) ? udpRtt : tcpRtt).timeoutNanos(ceilingNanos);
    }

    /**
     * A health probe's timeout: the attempt timeout, doubled for each failed probe in a row after the first (TCP's
     * backoff; a single failure is usually one lost datagram), capped by {@code ceilingNanos}. Probes of a dead
     * upstream give up fast, so it is marked down quickly, while one that only became slower than its estimate still
     * gets a probe long enough to answer, and to be sampled again.
     */
    long probeTimeoutNanos(boolean tcp, long ceilingNanos) {
        int backoff = Math.min(Math.max(0, consecutiveFailures.get() - 1), 8);
        return Math.min(ceilingNanos, attemptTimeoutNanos(tcp, ceilingNanos) << backoff);
    }

    private boolean overUdp(boolean tcp) {
        return !tcp && address.transport() != Transport.TLS;
    }

    /** Smoothed round-trip time of answered UDP exchanges and probes, or -1 before the first. */
    public long srttNanos() {
        return srttNanos(false);
    }

    /** Smoothed round-trip time of answered exchanges and probes over UDP, or TCP/TLS; -1 before the first. */
    public long srttNanos(boolean tcp) {
        return (overUdp(tcp) ? udpRtt : tcpRtt).srttNanos();
    }

    /** Round-trip time variation of answered exchanges and probes over UDP, or TCP/TLS; -1 before the first. */
    public long rttvarNanos(boolean tcp) {
        return (overUdp(tcp) ? udpRtt : tcpRtt).rttvarNanos();
    }

    void probeSucceeded(long rttNanos, Instant at, boolean tcp) {
        (overUdp(tcp) ? udpRtt : tcpRtt).sample(rttNanos);
        consecutiveFailures.set(0);
        lastProbe = at;
        lastProbeRttNanos = rttNanos;
        lastProbeSucceeded = true;
    }

    void probeFailed(Instant at) {
        consecutiveFailures.incrementAndGet();
        lastProbe = at;
        lastProbeSucceeded = false;
    }

    /** Call when a query is sent; pair with {@link #finished}. */
    public void started() {
        inFlight.incrementAndGet();
        queries.increment();
    }

    /**
     * Call when a query's exchange ended with a reply carrying {@code rcode}, or -1 for a failure.
     *
     * @param tcp whether the exchange went over TCP; answered exchanges feed the adaptive timeout of their transport
     */
    public void finished(int rcode, long rttNanos, boolean tcp) {
        inFlight.decrementAndGet();
        counters.exchangeFinished(rcode, rttNanos);
        if (rcode < 0) {
            errors.increment();
            return;
        }
        (overUdp(tcp) ? udpRtt : tcpRtt).sample(rttNanos);
        // Exponentially weighted moving average, weight 1/8, as TCP's SRTT; racy updates lose a sample at worst.
        long previous = rttEwmaNanos.get();
        rttEwmaNanos.set(previous == 0 ? rttNanos : previous + (rttNanos - previous) / 8);
    }

    /** An answer of this upstream took longer than its rule's {@code slow_threshold}. */
    public void answeredSlowly() {
        counters.slowAnswer();
    }

    public int inFlight() {
        return inFlight.get();
    }

    public long rttEwmaNanos() {
        return rttEwmaNanos.get();
    }

    public long queries() {
        return queries.sum();
    }

    public long errors() {
        return errors.sum();
    }

    public Instant lastProbe() {
        return lastProbe;
    }

    public long lastProbeRttNanos() {
        return lastProbeRttNanos;
    }

    public boolean lastProbeSucceeded() {
        return lastProbeSucceeded;
    }

    UpstreamCounters counters() {
        return counters;
    }

    /** Closes every socket, each on its own loop; queries in flight fail with {@link ExchangeFailure#REMOVED}. */
    void close() {
        closed = true;
        counters.close();
        for (int i = 0; i < sockets.length; i++) {
            int index = i;
            loops.loop(i).execute(() -> {
                LoopSockets local = sockets[index];
                if (local != null) {
                    local.close();
                }
            });
        }
    }

    /** Evicts expired pooled connections on every loop. */
    void evictExpiredConnections() {
        for (int i = 0; i < sockets.length; i++) {
            int index = i;
            loops.loop(i).execute(() -> {
                LoopSockets local = sockets[index];
                if (local != null) {
                    local.tcp.evictExpired();
                }
            });
        }
    }

    @Override
    public String toString() {
        return address.url();
    }

    /** The sockets of one event loop. Each loop has its own random generator for IDs, seeded securely. */
    private final class LoopSockets {
        final UdpUpstreamSocket udp;
        final TcpConnectionPool tcp;

        LoopSockets(EventLoop loop) {
            RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(new SecureRandom().nextLong());
            udp = new UdpUpstreamSocket(address.address(), loop, random, counters);
            tcp = new TcpConnectionPool(address.address(), address.serverName(), loop, loops.socketChannels(), settings,
                    random, counters);
        }

        void close() {
            udp.close();
            tcp.close();
        }
    }
}
