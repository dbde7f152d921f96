package io.kubeforward.forward;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;

/** Where the answer to one client query goes: a UDP peer or a TCP connection. */
public interface ReplyChannel {

    /** Sends {@code reply} to the client; ownership passes. Called on {@link #loop()}. */
    void reply(ByteBuf reply);

    /** Whether the client asked over TCP (no size limit, no truncation). */
    boolean isTcp();

    /** The client's address, for the query log. */
    java.net.SocketAddress remote();

    /** The event loop the query arrived on; every step of forwarding it runs there. */
    EventLoop loop();
}
