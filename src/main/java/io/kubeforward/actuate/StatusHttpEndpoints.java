package io.kubeforward.actuate;

import io.kubeforward.config.IpText;
import io.kubeforward.config.StatusEndpoints;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The Corefile's {@code health}, {@code ready} and {@code prometheus} directives, served as CoreDNS serves
 * them: {@code GET /health} (200 {@code OK} while live), {@code GET /ready} (200 {@code OK} when ready, else
 * 503), {@code GET /metrics} (Prometheus text). Each address is served once. They outlive the DNS listeners on
 * shutdown, so {@code /health} answers through the lameduck period and {@code /ready} reports 503 during it.
 */
public final class StatusHttpEndpoints implements SmartLifecycle {

    /** After the DNS listeners stop ({@code DEFAULT_PHASE - 100}), before node setup. */
    static final int PHASE = DEFAULT_PHASE - 150;
    private static final Logger log = LoggerFactory.getLogger(StatusHttpEndpoints.class);

    private final StatusEndpoints endpoints;
    private final ApplicationAvailability availability;
    private final DnsReadinessIndicator dns;
    private final Optional<PrometheusMeterRegistry> prometheus;
    private final List<DisposableServer> servers = new ArrayList<>();
    private volatile boolean running;

    public StatusHttpEndpoints(StatusEndpoints endpoints, ApplicationAvailability availability, DnsReadinessIndicator dns,
            Optional<PrometheusMeterRegistry> prometheus) {
        this.endpoints = endpoints;
        this.availability = availability;
        this.dns = dns;
        this.prometheus = prometheus;
    }

    @Override
    public synchronized void start() {
        for (InetSocketAddress address : endpoints.addresses()) {
            HttpServer server = HttpServer.create().bindAddress(() -> address).route(routes -> {
                if (endpoints.health().contains(address)) {
                    routes.get("/health", (request, response) -> text(response, live(), "OK"));
                }
                if (endpoints.ready().contains(address)) {
                    routes.get("/ready", (request, response) -> text(response, ready(), "OK"));
                }
                if (endpoints.prometheus().contains(address) && prometheus.isPresent()) {
                    routes.get("/metrics", (request, response) -> response.header("Content-Type", "text/plain; version=0.0.4")
                            .sendString(Mono.fromSupplier(() -> prometheus.get().scrape())));
                }
            });
            if (Epoll.isAvailable()) {
                server = server.option(UnixChannelOption.SO_REUSEPORT, true);
            }
            servers.add(server.bindNow(Duration.ofSeconds(10)));
            log.info("CoreDNS-style status endpoints on {}", IpText.hostPort(address.getAddress(), address.getPort()));
        }
        running = true;
    }

    private boolean live() {
        return availability.getLivenessState() == LivenessState.CORRECT;
    }

    private boolean ready() {
        return availability.getReadinessState() == ReadinessState.ACCEPTING_TRAFFIC && Status.UP.equals(dns.health().getStatus());
    }

    private static org.reactivestreams.Publisher<Void> text(HttpServerResponse response, boolean ok, String body) {
        return response.status(ok ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE)
                .sendString(Mono.just(ok ? body : "not ready"));
    }

    @Override
    public synchronized void stop() {
        servers.forEach(DisposableServer::disposeNow);
        servers.clear();
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
