package io.kubeforward.actuate;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/** One thread for HTTP servers (never a DNS event loop): native epoll where available, else NIO. */
final class HttpEventLoop implements AutoCloseable {

    private final boolean epoll = Epoll.isAvailable();
    private final EventLoopGroup group;

    HttpEventLoop(String name) {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(name, true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    EventLoopGroup group() {
        return group;
    }

    boolean isEpoll() {
        return epoll;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
