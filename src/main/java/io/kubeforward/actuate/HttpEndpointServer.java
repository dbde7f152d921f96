package io.kubeforward.actuate;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server on one address for the actuator and the Corefile's status endpoints: Netty's HTTP codec,
 * requests of at most 16 KiB, at most {@value #MAX_CONNECTIONS} connections, idle ones closed after
 * {@value #IDLE_SECONDS} s, every response with its length. The port is shared with SO_REUSEPORT where epoll is
 * available, so a second instance on the node (a surge upgrade with hostNetwork) can bind it beside the running one.
 * Routes run on the server's event loop, which carries no DNS traffic.
 */
final class HttpEndpointServer implements AutoCloseable {

    static final int MAX_CONNECTIONS = 128;
    static final int IDLE_SECONDS = 30;
    private static final int MAX_REQUEST_BYTES = 16 * 1024;
    private static final Logger log = LoggerFactory.getLogger(HttpEndpointServer.class);

    private final Channel channel;
    private final ChannelGroup connections;

    private HttpEndpointServer(Channel channel, ChannelGroup connections) {
        this.channel = channel;
        this.connections = connections;
    }

    /** Binds {@code address} on {@code loop} and serves {@code routes}. */
    static HttpEndpointServer bind(InetSocketAddress address, HttpEventLoop loop, HttpRoutes routes) {
        EventLoopGroup group = loop.group();
        boolean epoll = loop.isEpoll();
        ChannelGroup connections = new DefaultChannelGroup("http " + address, group.next());
        ServerBootstrap bootstrap = new ServerBootstrap().group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel connection) {
                        if (connections.size() >= MAX_CONNECTIONS) {
                            connection.close();
                            return;
                        }
                        connections.add(connection);
                        connection.pipeline().addLast(new ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS),
                                new HttpServerCodec(4096, 8192, 8192), new HttpObjectAggregator(MAX_REQUEST_BYTES),
                                new RequestHandler(routes));
                    }
                });
        if (epoll) {
            bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
        }
        Channel channel = bootstrap.bind(address).syncUninterruptibly().channel();
        return new HttpEndpointServer(channel, connections);
    }

    InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Stops accepting and closes every open connection. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }

    private static final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

        private final HttpRoutes routes;

        RequestHandler(HttpRoutes routes) {
            this.routes = routes;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext context, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
            HttpReply reply;
            if (!request.decoderResult().isSuccess()) {
                reply = HttpReply.text(400, "Bad Request\n");
            } else {
                QueryStringDecoder uri = new QueryStringDecoder(request.uri());
                String accept = request.headers().get(HttpHeaderNames.ACCEPT, "");
                HttpRequestLine line = new HttpRequestLine(request.method().name(), uri.path(), uri.parameters(), accept);
                try {
                    reply = routes.handle(line);
                } catch (RuntimeException e) {
                    log.warn("HTTP {} {} failed: {}", line.method(), line.path(), e.toString());
                    reply = HttpReply.text(500, "Internal Server Error\n");
                }
            }
            boolean head = "HEAD".equals(request.method().name());
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()),
                    head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(reply.body()));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType())
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
            if (keepAlive) {
                if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                }
                context.writeAndFlush(response);
            } else {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                context.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            // A reset or a read timeout: nothing to answer.
            context.close();
        }
    }
}
