package io.kubeforward.server;

import io.kubeforward.forward.ReplyChannel;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Receives client queries on one UDP socket; answers go back from the same socket. */
final class UdpQueryHandler extends ChannelInboundHandlerAdapter {

    private final QueryIntake intake;

    UdpQueryHandler(QueryIntake intake) {
        this.intake = intake;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DatagramPacket packet) {
            // Copy into a right-sized buffer: the receive buffer is large and the query may wait seconds.
            ByteBuf query;
            try {
                query = packet.content().copy();
            } finally {
                packet.release();
            }
            intake.accept(query, new UdpClient(ctx.channel(), packet.sender()));
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A UDP socket error concerns one datagram (e.g. an ICMP error for an earlier reply); keep serving.
    }

    /** A UDP client: answers are datagrams to its address. */
    private record UdpClient(Channel channel, InetSocketAddress sender) implements ReplyChannel {

        @Override
        public void reply(ByteBuf reply) {
            channel.writeAndFlush(new DatagramPacket(reply, sender), channel.voidPromise());
        }

        @Override
        public boolean isTcp() {
            return false;
        }

        @Override
        public SocketAddress remote() {
            return sender;
        }

        @Override
        public EventLoop loop() {
            return channel.eventLoop();
        }
    }
}
