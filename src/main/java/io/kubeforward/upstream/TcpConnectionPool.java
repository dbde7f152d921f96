package io.kubeforward.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.ssl.SslContext;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * TCP/TLS connections from one event loop to one upstream: reused while younger than {@code max_age}
 * and idle for less than {@code expire}, at most {@code maxIdle} kept. Confined to its event loop.
 */
final class TcpConnectionPool {

    private static final int MAX_FRAME = 65_535;

    private final InetSocketAddress upstream;
    private final String serverName;
    private final EventLoop loop;
    private final ChannelFactory<SocketChannel> channels;
    private final ConnectionSettings settings;
    private final RandomGenerator random;
    private final UpstreamCounters counters;
    private final String proto;
    private final ArrayDeque<TcpConnection> idle = new ArrayDeque<>();
    private final Set<TcpConnection> open = new HashSet<>();
    private boolean closed;

    TcpConnectionPool(InetSocketAddress upstream, String serverName, EventLoop loop, ChannelFactory<SocketChannel> channels,
            ConnectionSettings settings, RandomGenerator random, UpstreamCounters counters) {
        this.upstream = upstream;
        this.serverName = serverName;
        this.loop = loop;
        this.channels = channels;
        this.settings = settings;
        this.random = random;
        this.counters = counters;
        this.proto = settings.tls().isPresent() ? "tls" : "tcp";
    }

    UpstreamCounters counters() {
        return counters;
    }

    /** Sends {@code query} (its ID is overwritten) over a pooled or new connection. Event loop only. */
    void exchange(ByteBuf query, int questionEnd, long timeoutNanos, ExchangeListener listener) {
        if (closed) {
            listener.onFailure(ExchangeFailure.REMOVED);
            return;
        }
        int id = random.nextInt(65_536);
        io.kubeforward.dns.DnsHeader.setId(query, id);
        PendingExchange exchange = new PendingExchange(id, query, questionEnd, listener, System.nanoTime());
        TcpConnection reused = takeIdle(exchange.startNanos);
        counters.connectionCache(reused != null, proto);
        if (reused != null) {
            schedule(exchange, reused, timeoutNanos);
            reused.send(exchange);
        } else {
            dial(exchange, timeoutNanos, true);
        }
    }

    private void schedule(PendingExchange exchange, TcpConnection connection, long timeoutNanos) {
        exchange.timeout(loop.schedule(() -> {
            if (exchange.fail(ExchangeFailure.TIMEOUT)) {
                connection.abandon(exchange);
            }
        }, timeoutNanos, TimeUnit.NANOSECONDS), exchange.startNanos + timeoutNanos);
    }

    private void dial(PendingExchange exchange, long timeoutNanos, boolean scheduleTimeout) {
        TcpConnection connection = new TcpConnection(this, System.nanoTime());
        connection.dialingFor(exchange);
        open.add(connection);
        if (scheduleTimeout) {
            schedule(exchange, connection, timeoutNanos);
        }
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channelFactory(channels)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        settings.tls().ifPresent(tls -> ch.pipeline().addLast(newTlsHandler(tls, ch)));
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(MAX_FRAME + 2, 0, 2, 0, 2));
                        ch.pipeline().addLast(new LengthFieldPrepender(2));
                        ch.pipeline().addLast(connection);
                    }
                });
        settings.sourceAddress().ifPresent(source -> bootstrap.localAddress(new InetSocketAddress(source, 0)));
        bootstrap.connect(upstream).addListener(f -> {
            Channel channel = ((io.netty.channel.ChannelFuture) f).channel();
            if (exchange.isDone()) {
                // Timed out, or failed by the pool's close (TcpConnection#closeForPool) while connecting.
                channel.close();
                return;
            }
            if (!f.isSuccess()) {
                open.remove(connection);
                exchange.fail(f.cause() instanceof ConnectException ? ExchangeFailure.CONNECTION_REFUSED : ExchangeFailure.TIMEOUT);
                return;
            }
            connection.attach(channel);
            connection.send(exchange);
        });
    }

    private io.netty.handler.ssl.SslHandler newTlsHandler(SslContext tls, SocketChannel ch) {
        String peerHost = serverName.isEmpty() ? upstream.getAddress().getHostAddress() : serverName;
        io.netty.handler.ssl.SslHandler handler = tls.newHandler(ch.alloc(), peerHost, upstream.getPort());
        if (!serverName.isEmpty()) {
            javax.net.ssl.SSLParameters parameters = handler.engine().getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            handler.engine().setSSLParameters(parameters);
        }
        return handler;
    }

    private TcpConnection takeIdle(long nowNanos) {
        TcpConnection connection;
        while ((connection = idle.pollFirst()) != null) {
            if (connection.isActive() && !expired(connection, nowNanos)) {
                return connection;
            }
            connection.close();
        }
        return null;
    }

    private boolean expired(TcpConnection connection, long nowNanos) {
        if (nowNanos - connection.idleSinceNanos() > settings.expire().toNanos()) {
            return true;
        }
        return settings.maxAge().isPresent() && nowNanos - connection.createdNanos() > settings.maxAge().get().toNanos();
    }

    /** A connection finished its exchange: keep it for reuse, or close it. */
    void release(TcpConnection connection) {
        if (closed || idle.size() >= settings.maxIdle() || expired(connection, System.nanoTime())) {
            connection.close();
            return;
        }
        idle.addFirst(connection);
    }

    void forget(TcpConnection connection) {
        open.remove(connection);
        idle.remove(connection);
    }

    /**
     * The peer closed a connection with our query unanswered. A reused connection may simply have been
     * closed by the upstream while idle (CoreDNS: ErrCachedClosed), so dial once more; a fresh one failed.
     */
    void closedWhilePending(TcpConnection connection, PendingExchange exchange) {
        if (exchange.isDone()) {
            return;
        }
        boolean reused = connection.createdNanos() < exchange.startNanos;
        long remaining = exchange.remainingNanos(System.nanoTime());
        if (reused && !closed && remaining > 0) {
            dial(exchange, remaining, false);
        } else {
            exchange.fail(closed ? ExchangeFailure.REMOVED : ExchangeFailure.CONNECTION_CLOSED);
        }
    }

    /** Closes idle connections past {@code expire} or {@code max_age}. Event loop only. */
    void evictExpired() {
        long now = System.nanoTime();
        idle.removeIf(connection -> {
            if (!connection.isActive() || expired(connection, now)) {
                connection.close();
                return true;
            }
            return false;
        });
    }

    int idleCount() {
        return idle.size();
    }

    /** Closes every connection; exchanges in flight fail with {@link ExchangeFailure#REMOVED}. */
    void close() {
        closed = true;
        idle.clear();
        for (TcpConnection connection : Set.copyOf(open)) {
            connection.closeForPool();
        }
        open.clear();
    }
}
