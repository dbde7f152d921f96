package io.kubeforward.server;

import io.kubeforward.forward.ReplyChannel;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;

/**
 * One client TCP connection (RFC 7766): length-prefixed queries, several may be in flight at once and
 * are answered as their replies arrive. Past {@code maxPipelined} unanswered queries the connection stops
 * reading until answers catch up, which bounds what one client can hold.
 */
final class TcpQueryHandler extends ChannelInboundHandlerAdapter implements ReplyChannel {

    private final QueryIntake intake;
    private final int maxPipelined;
    private ChannelHandlerContext ctx;
    private int pending;

    TcpQueryHandler(QueryIntake intake, int maxPipelined) {
        this.intake = intake;
        this.maxPipelined = maxPipelined;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf query)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        pending++;
        if (pending >= maxPipelined) {
            ctx.channel().config().setAutoRead(false);
        }
        intake.accept(query, this);
    }

    @Override
    public void reply(ByteBuf reply) {
        pending--;
        if (!ctx.channel().isActive()) {
            reply.release();
            return;
        }
        ctx.writeAndFlush(reply, ctx.voidPromise());
        if (pending < maxPipelined && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public boolean isTcp() {
        return true;
    }

    @Override
    public SocketAddress remote() {
        return ctx.channel().remoteAddress();
    }

    @Override
    public EventLoop loop() {
        return ctx.channel().eventLoop();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && pending == 0) {
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Bad framing (a length above 65535 cannot occur; a broken peer can) or a reset: drop the connection.
        ctx.close();
    }
}
