package io.kubeforward.actuate;

import io.kubeforward.config.IpText;
import io.kubeforward.config.StatusEndpoints;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.SmartLifecycle;

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
    private final List<HttpEndpointServer> servers = new ArrayList<>();
    private HttpEventLoop loop;
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
        if (!endpoints.addresses().isEmpty()) {
            loop = new HttpEventLoop("status-http");
            for (InetSocketAddress address : endpoints.addresses()) {
                String hostPort = IpText.hostPort(address.getAddress(), address.getPort());
                try {
                    servers.add(HttpEndpointServer.bind(address, loop, request -> route(address, request)));
                } catch (Exception e) { // Netty rethrows the BindException unchecked
                    stop();
                    throw new HttpBindException("the Corefile's health/ready/prometheus address", hostPort, e);
                }
                log.info("CoreDNS-style status endpoints on {}", hostPort);
            }
        }
        running = true;
    }

    HttpReply route(InetSocketAddress address, HttpRequestLine request) {
        String path = request.path();
        boolean served = switch (path) {
            case "/health" -> endpoints.health().contains(address);
            case "/ready" -> endpoints.ready().contains(address);
            case "/metrics" -> endpoints.prometheus().contains(address) && prometheus.isPresent();
            default -> false;
        };
        if (!served) {
            return HttpReply.notFound();
        }
        if (!request.isRead()) {
            return HttpReply.text(405, "Method Not Allowed\n");
        }
        return switch (path) {
            case "/health" -> live() ? HttpReply.text(200, "OK") : HttpReply.text(503, "not ready");
            case "/ready" -> ready() ? HttpReply.text(200, "OK") : HttpReply.text(503, "not ready");
            default -> ActuatorRoutes.scrape(prometheus.get(), ActuatorRoutes.PROMETHEUS_TEXT, Set.of());
        };
    }

    private boolean live() {
        return availability.getLivenessState() == LivenessState.CORRECT;
    }

    private boolean ready() {
        return availability.getReadinessState() == ReadinessState.ACCEPTING_TRAFFIC && Status.UP.equals(dns.health().getStatus());
    }

    @Override
    public synchronized void stop() {
        servers.forEach(HttpEndpointServer::close);
        servers.clear();
        if (loop != null) {
            loop.close();
            loop = null;
        }
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
