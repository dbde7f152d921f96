package io.kubeforward.actuate;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.UnixChannelOption;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.stereotype.Component;
import reactor.netty.http.server.HttpServer;

/**
 * Lets a second instance on the same node (a surge upgrade with hostNetwork) bind the management port
 * alongside the running one, as the DNS listeners do; otherwise the new pod could not start until the old one
 * is gone. With two instances on the port the kernel spreads probe connections over both, which docs/install.md
 * explains.
 */
@Component
class ManagementPortSharing implements NettyServerCustomizer {

    @Override
    public HttpServer apply(HttpServer server) {
        return Epoll.isAvailable() ? server.option(UnixChannelOption.SO_REUSEPORT, true) : server;
    }
}
