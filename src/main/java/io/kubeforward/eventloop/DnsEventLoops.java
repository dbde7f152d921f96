package io.kubeforward.eventloop;

import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event loops that carry all DNS traffic, listeners and upstream sockets alike, so that a query
 * is received, forwarded and answered on one thread. Native epoll where available, else NIO.
 */
public final class DnsEventLoops implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DnsEventLoops.class);

    private final MultiThreadIoEventLoopGroup group;
    private final boolean epoll;
    private final List<EventLoop> loops;
    private final Map<EventExecutor, Integer> indexes;

    public DnsEventLoops(int threads, boolean preferNative) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: >= 1)");
        }
        this.epoll = preferNative && Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("dns-io", true), io);
        List<EventLoop> all = new ArrayList<>();
        Map<EventExecutor, Integer> index = new IdentityHashMap<>();
        for (EventExecutor executor : group) {
            index.put(executor, all.size());
            all.add((EventLoop) executor);
        }
        this.loops = List.copyOf(all);
        this.indexes = index;
        if (preferNative && !epoll) {
            log.info("Native epoll transport unavailable ({}); using NIO", Epoll.unavailabilityCause().toString());
        }
    }

    public MultiThreadIoEventLoopGroup group() {
        return group;
    }

    public boolean isNative() {
        return epoll;
    }

    public int size() {
        return loops.size();
    }

    public EventLoop loop(int index) {
        return loops.get(index);
    }

    /** The position of {@code loop} in this group, used to index per-loop state. */
    public int indexOf(EventExecutor loop) {
        Integer index = indexes.get(loop);
        if (index == null) {
            throw new IllegalStateException("not one of the DNS event loops: " + loop);
        }
        return index;
    }

    public ChannelFactory<DatagramChannel> datagramChannels(InetAddress family) {
        if (epoll) {
            return EpollDatagramChannel::new;
        }
        InternetProtocolFamily protocol = family instanceof Inet6Address ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4;
        return () -> new NioDatagramChannel(protocol);
    }

    public ChannelFactory<SocketChannel> socketChannels() {
        return epoll ? EpollSocketChannel::new : NioSocketChannel::new;
    }

    public ChannelFactory<ServerSocketChannel> serverSocketChannels() {
        return epoll ? EpollServerSocketChannel::new : NioServerSocketChannel::new;
    }

    /** Stops the loops, letting queued tasks finish within {@code timeout}. */
    public void shutdown(Duration quietPeriod, Duration timeout) {
        group.shutdownGracefully(quietPeriod.toMillis(), timeout.toMillis(), TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(timeout.toMillis() + 1000);
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
