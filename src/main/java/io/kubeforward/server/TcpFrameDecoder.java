package io.kubeforward.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Splits a client TCP stream into length-prefixed messages (RFC 7766) and gives each message a read deadline:
 * from its first byte, the whole message must arrive within {@code readTimeout}, else the connection is closed
 * and counted. The idle timeout cannot catch a client that sends a byte now and then (slowloris); this can.
 * Time spent with reading paused by the server (too many queries in flight) is not held against the client.
 */
final class TcpFrameDecoder extends LengthFieldBasedFrameDecoder {

    private static final int MAX_MESSAGE = 65_535;

    private final long readTimeoutNanos;
    private final ListenerMetrics metrics;
    private ScheduledFuture<?> deadline;
    private boolean frameCompleted;

    TcpFrameDecoder(Duration readTimeout, ListenerMetrics metrics) {
        super(MAX_MESSAGE + 2, 0, 2, 0, 2);
        this.readTimeoutNanos = readTimeout.toNanos();
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        frameCompleted = false;
        super.channelRead(ctx, msg);
        if (actualReadableBytes() == 0) {
            cancelDeadline();
        } else if (deadline == null || frameCompleted) {
            // Part of a message is buffered: a new one started (or the first), so its clock starts now.
            cancelDeadline();
            deadline = ctx.executor().schedule(() -> expire(ctx), readTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    protected ByteBuf extractFrame(ChannelHandlerContext ctx, ByteBuf buffer, int index, int length) {
        frameCompleted = true;
        return super.extractFrame(ctx, buffer, index, length);
    }

    private void expire(ChannelHandlerContext ctx) {
        deadline = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        if (!ctx.channel().config().isAutoRead()) {
            // We stopped reading (max-pipelined); the rest of the message may be waiting in the kernel.
            deadline = ctx.executor().schedule(() -> expire(ctx), readTimeoutNanos, TimeUnit.NANOSECONDS);
            return;
        }
        metrics.tcpReadTimeout();
        ctx.close();
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelDeadline();
    }
}
