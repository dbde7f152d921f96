package io.kubeforward.server;

import io.kubeforward.eventloop.DnsEventLoops;
import io.kubeforward.forward.QueryRouter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds UDP and TCP on every listening address and hands queries to that address's {@link QueryRouter}.
 * On the native transport each address gets one UDP socket per event loop, sharing the port with
 * SO_REUSEPORT, so the kernel spreads datagrams across threads.
 */
public final class DnsServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DnsServer.class);
    /** Largest UDP query read; real queries are far smaller, a longer datagram is cut and answered FORMERR. */
    private static final int MAX_UDP_QUERY_SIZE = 4_096;
    /**
     * Answers written in one pass of the event loop leave in one flush (sendmmsg for UDP, writev for TCP); at
     * most this many flushes are held back.
     */
    private static final int FLUSH_BATCH = 64;
    /** Datagrams read per recvmmsg call (epoll only). */
    private static final int RECVMMSG_BATCH = 16;
    private static final int BIND_ATTEMPTS = 5;

    private final DnsEventLoops loops;
    private final ListenerSettings settings;
    private final MeterRegistry registry;
    private final List<Channel> channels = new ArrayList<>();
    private final List<BoundListener> bound = new ArrayList<>();
    private volatile boolean serving;

    public DnsServer(DnsEventLoops loops, ListenerSettings settings, MeterRegistry registry) {
        this.loops = loops;
        this.settings = settings;
        this.registry = registry;
    }

    /**
     * Binds every address; on any failure closes what was bound and throws, naming the address.
     *
     * @param routers one router per listening address (port 0 = an ephemeral port, the same for UDP and TCP)
     */
    public synchronized void start(Map<InetSocketAddress, QueryRouter> routers) {
        try {
            for (Map.Entry<InetSocketAddress, QueryRouter> entry : routers.entrySet()) {
                bound.add(bindWithRetry(entry.getKey(), entry.getValue()));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        serving = true;
    }

    public boolean isServing() {
        return serving;
    }

    public synchronized List<BoundListener> listeners() {
        return List.copyOf(bound);
    }

    private BoundListener bindWithRetry(InetSocketAddress requested, QueryRouter router) {
        String server = "dns://" + hostPort(requested);
        ListenerMetrics metrics = new ListenerMetrics(registry, server);
        QueryIntake intake = new QueryIntake(router, metrics);
        for (int attempt = 1; ; attempt++) {
            List<Channel> opened = new ArrayList<>();
            try {
                InetSocketAddress address = bindUdp(requested, intake, opened);
                bindTcp(address, intake, metrics, opened);
                channels.addAll(opened);
                List<String> zones = router.routes().stream().map(QueryRouter.Route::zone).toList();
                log.info("Serving DNS on {} (UDP x{} + TCP, {}) for zones {}", hostPort(address), opened.size() - 1,
                        loops.isNative() ? "epoll" : "nio", zones);
                return new BoundListener(address, opened.size() - 1, zones);
            } catch (BindFailure e) {
                opened.forEach(Channel::close);
                // With port 0 the TCP port the kernel gave UDP may be taken; try another one.
                if (requested.getPort() != 0 || attempt >= BIND_ATTEMPTS) {
                    throw new IllegalStateException("cannot listen on " + hostPort(requested) + "/" + e.proto + ": "
                            + e.getCause().getMessage(), e.getCause());
                }
            }
        }
    }

    private InetSocketAddress bindUdp(InetSocketAddress requested, QueryIntake intake, List<Channel> opened) throws BindFailure {
        int sockets = loops.isNative() ? (settings.udpSockets() > 0 ? settings.udpSockets() : loops.size()) : 1;
        InetSocketAddress address = requested;
        if (requested.getPort() == 0 && loops.isNative()) {
            // With SO_REUSEPORT the kernel's choice for port 0 may be a port that another SO_REUSEPORT listener of this
            // user holds (another server block, another instance), and the two would split its queries. A port no
            // socket holds comes from sockets without it; bindWithRetry tries again if it is taken in between.
            address = new InetSocketAddress(requested.getAddress(), unheldPort(requested.getAddress()));
        }
        for (int i = 0; i < sockets; i++) {
            Bootstrap bootstrap = new Bootstrap()
                    .group(loops.loop(i % loops.size()))
                    .channelFactory(loops.datagramChannels(requested.getAddress()))
                    .option(ChannelOption.SO_RCVBUF, 4 * 1024 * 1024)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new FlushConsolidationHandler(FLUSH_BATCH, true), new UdpQueryHandler(intake));
                        }
                    });
            if (loops.isNative()) {
                // recvmmsg: one system call reads up to RECVMMSG_BATCH queries into slots of MAX_UDP_QUERY_SIZE.
                bootstrap.option(UnixChannelOption.SO_REUSEPORT, true)
                        .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_UDP_QUERY_SIZE)
                        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_UDP_QUERY_SIZE * RECVMMSG_BATCH));
            } else {
                bootstrap.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_UDP_QUERY_SIZE));
            }
            ChannelFuture future = bootstrap.bind(address).awaitUninterruptibly();
            if (!future.isSuccess()) {
                throw new BindFailure("udp", future.cause());
            }
            opened.add(future.channel());
            address = (InetSocketAddress) future.channel().localAddress();
        }
        return address;
    }

    /** A port that no UDP or TCP socket holds on {@code address} now (checked with sockets without SO_REUSEPORT). */
    private static int unheldPort(InetAddress address) throws BindFailure {
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(address, 0));
                ServerSocket tcp = new ServerSocket(udp.getLocalPort(), 1, address)) {
            return tcp.getLocalPort();
        } catch (IOException e) {
            throw new BindFailure("udp", e);
        }
    }

    private void bindTcp(InetSocketAddress address, QueryIntake intake, ListenerMetrics metrics, List<Channel> opened)
            throws BindFailure {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loops.group())
                .channelFactory(loops.serverSocketChannels())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        tcpPipeline(ch.pipeline(), settings, metrics, intake);
                    }
                });
        if (loops.isNative()) {
            // Lets a new instance listen alongside this one during an upgrade.
            bootstrap.option(UnixChannelOption.SO_REUSEPORT, true);
        }
        ChannelFuture future = bootstrap.bind(address).awaitUninterruptibly();
        if (!future.isSuccess()) {
            throw new BindFailure("tcp", future.cause());
        }
        opened.add(future.channel());
    }

    /** The handlers of one client TCP connection, in order. */
    static void tcpPipeline(ChannelPipeline pipeline, ListenerSettings settings, ListenerMetrics metrics, QueryIntake intake) {
        pipeline.addLast(new ConnectionCap(metrics, settings.maxTcpConnections()));
        pipeline.addLast(new FlushConsolidationHandler(FLUSH_BATCH, true));
        pipeline.addLast(new IdleStateHandler(0, 0, settings.tcpIdleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        pipeline.addLast(new TcpFrameDecoder(settings.tcpReadTimeout(), metrics));
        pipeline.addLast(new LengthFieldPrepender(2));
        pipeline.addLast(new TcpQueryHandler(intake, settings.maxPipelined()));
    }

    /** Stops listening; queries in flight finish on the event loops. */
    @Override
    public synchronized void close() {
        serving = false;
        for (Channel channel : channels) {
            channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        channels.clear();
    }

    static String hostPort(InetSocketAddress address) {
        return io.kubeforward.config.IpText.hostPort(address.getAddress(), address.getPort());
    }

    /** Counts open client connections and closes those beyond the cap at once. */
    private static final class ConnectionCap extends ChannelInboundHandlerAdapter {
        private final ListenerMetrics metrics;
        private final int max;

        ConnectionCap(ListenerMetrics metrics, int max) {
            this.metrics = metrics;
            this.max = max;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (metrics.tcpConnections.incrementAndGet() > max) {
                metrics.tcpRejected();
                ctx.close();
                return;
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            metrics.tcpConnections.decrementAndGet();
            ctx.fireChannelInactive();
        }
    }

    private static final class BindFailure extends Exception {
        final String proto;

        BindFailure(String proto, Throwable cause) {
            super(cause);
            this.proto = proto;
        }
    }
}
