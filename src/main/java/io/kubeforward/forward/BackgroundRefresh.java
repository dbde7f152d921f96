package io.kubeforward.forward;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.net.SocketAddress;

/**
 * The "client" of a background refresh (prefetch): nobody waits for the answer; the forwarder stores it in the
 * cache before relaying, and relaying just releases it.
 */
final class BackgroundRefresh implements ReplyChannel {

    private final EventLoop loop;

    BackgroundRefresh(EventLoop loop) {
        this.loop = loop;
    }

    @Override
    public void reply(ByteBuf reply) {
        reply.release();
    }

    @Override
    public boolean isTcp() {
        return true; // no truncation: nobody reads it
    }

    @Override
    public SocketAddress remote() {
        return null;
    }

    @Override
    public EventLoop loop() {
        return loop;
    }
}
