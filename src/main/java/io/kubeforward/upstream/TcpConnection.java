package io.kubeforward.upstream;

import io.kubeforward.dns.DnsHeader;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * One TCP (or TLS) connection to an upstream, carrying one query at a time as CoreDNS does, then
 * returned to its pool. Confined to its event loop.
 */
final class TcpConnection extends ChannelInboundHandlerAdapter {

    private final TcpConnectionPool pool;
    private final long createdNanos;
    private Channel channel;
    private long idleSinceNanos;
    private PendingExchange pending;
    /** The exchange waiting for this connection to be established; null once attached. */
    private PendingExchange dialing;

    TcpConnection(TcpConnectionPool pool, long createdNanos) {
        this.pool = pool;
        this.createdNanos = createdNanos;
        this.idleSinceNanos = createdNanos;
    }

    void dialingFor(PendingExchange exchange) {
        this.dialing = exchange;
    }

    void attach(Channel channel) {
        this.channel = channel;
        this.dialing = null;
    }

    long createdNanos() {
        return createdNanos;
    }

    long idleSinceNanos() {
        return idleSinceNanos;
    }

    boolean isActive() {
        return channel != null && channel.isActive();
    }

    /** Sends the query of {@code exchange}, whose ID is already set. */
    void send(PendingExchange exchange) {
        this.pending = exchange;
        channel.writeAndFlush(exchange.query().retainedDuplicate()).addListener(f -> {
            if (!f.isSuccess() && pending == exchange) {
                pending = null;
                channel.close();
                exchange.fail(ExchangeFailure.WRITE_FAILED);
            }
        });
    }

    /** The exchange on this connection timed out: the connection is in an unknown state, close it. */
    void abandon(PendingExchange exchange) {
        if (pending == exchange) {
            pending = null;
            close();
        }
    }

    void close() {
        if (channel != null) {
            channel.close();
        }
    }

    /**
     * The pool is closing: an established connection closes (its pending exchange then fails through
     * {@link #channelInactive}); one still connecting fails its exchange now, so the query is answered and
     * released even if the connect never completes before the event loop stops.
     */
    void closeForPool() {
        if (channel != null) {
            channel.close();
            return;
        }
        PendingExchange exchange = dialing;
        dialing = null;
        if (exchange != null) {
            exchange.fail(ExchangeFailure.REMOVED);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf reply)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        PendingExchange exchange = pending;
        if (exchange == null || reply.readableBytes() < DnsHeader.LENGTH || !exchange.isAnsweredBy(reply)) {
            // Unsolicited or mismatched data on a one-query-at-a-time connection: it cannot be trusted.
            reply.release();
            pool.counters().rejectedReply();
            pending = null;
            close();
            if (exchange != null) {
                exchange.fail(ExchangeFailure.CONNECTION_CLOSED);
            }
            return;
        }
        pending = null;
        idleSinceNanos = System.nanoTime();
        pool.release(this);
        if (!exchange.succeed(reply)) {
            reply.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pool.forget(this);
        PendingExchange exchange = pending;
        if (exchange != null) {
            pending = null;
            pool.closedWhilePending(this, exchange);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
