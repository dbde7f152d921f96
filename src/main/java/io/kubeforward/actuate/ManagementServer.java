package io.kubeforward.actuate;

import io.kubeforward.config.IpText;
import java.net.InetSocketAddress;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * The management port ({@code server.port}; {@code management.server.port} if set; -1 turns it off): the actuator's
 * {@link ActuatorRoutes}. It starts first and stops last, so the probes and metrics are there through the DNS
 * listeners' lameduck period and drain. The port it bound is published as {@code local.server.port}, as Spring Boot's
 * own web server does.
 */
final class ManagementServer implements SmartLifecycle {

    /** Spring Boot's web server phase: before everything else starts, after everything else stops. */
    static final int PHASE = DEFAULT_PHASE - 2048;
    private static final Logger log = LoggerFactory.getLogger(ManagementServer.class);

    private final InetSocketAddress address;
    private final HttpRoutes routes;
    private final ConfigurableEnvironment environment;
    private HttpEventLoop loop;
    private HttpEndpointServer server;

    /** @param address where to listen; null: no management port */
    ManagementServer(InetSocketAddress address, HttpRoutes routes, ConfigurableEnvironment environment) {
        this.address = address;
        this.routes = routes;
        this.environment = environment;
    }

    @Override
    public synchronized void start() {
        if (address == null || server != null) {
            return;
        }
        loop = new HttpEventLoop("management-http");
        try {
            server = HttpEndpointServer.bind(address, loop, routes);
        } catch (Exception e) { // Netty rethrows the BindException unchecked
            loop.close();
            loop = null;
            throw new HttpBindException("the management port (server.port)", IpText.hostPort(address.getAddress(), address.getPort()), e);
        }
        int port = server.localAddress().getPort();
        environment.getPropertySources().remove("server.ports");
        environment.getPropertySources().addFirst(new MapPropertySource("server.ports", Map.of("local.server.port", port)));
        log.info("Actuator on port {}", port);
    }

    @Override
    public synchronized void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
        if (loop != null) {
            loop.close();
            loop = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return server != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
