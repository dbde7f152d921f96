package io.kubeforward.upstream;

import io.kubeforward.config.ForwardOptions;
import io.netty.handler.ssl.SslContext;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How sockets to the upstreams of one pool are made and pooled.
 *
 * @param expire        idle lifetime of a pooled TCP/TLS connection
 * @param maxAge        maximum lifetime of a pooled connection, if bounded
 * @param maxIdle       idle connections kept per upstream and event loop
 * @param sourceAddress local address to send from, if set
 * @param tls           client TLS context for {@code tls://} upstreams, if any are configured
 */
public record ConnectionSettings(Duration expire, Optional<Duration> maxAge, int maxIdle,
        Optional<InetAddress> sourceAddress, Optional<SslContext> tls) {

    /** Idle connections kept per upstream and loop when {@code max_idle_conns} is not set. */
    public static final int DEFAULT_MAX_IDLE = 64;

    public ConnectionSettings {
        Objects.requireNonNull(expire, "expire");
        Objects.requireNonNull(maxAge, "maxAge");
        Objects.requireNonNull(sourceAddress, "sourceAddress");
        Objects.requireNonNull(tls, "tls");
    }

    public static ConnectionSettings from(ForwardOptions options, Optional<SslContext> tls) {
        int maxIdle = options.maxIdleConns().isPresent() && options.maxIdleConns().getAsInt() > 0
                ? options.maxIdleConns().getAsInt() : DEFAULT_MAX_IDLE;
        return new ConnectionSettings(options.expire(), options.maxAge(), maxIdle, options.sourceAddress(), tls);
    }
}
