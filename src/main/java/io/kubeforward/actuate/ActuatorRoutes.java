package io.kubeforward.actuate;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroup;

/**
 * The management port's routes: {@code /actuator} (links), {@code /actuator/health} and its groups and components
 * ({@code /actuator/health/readiness}, {@code /actuator/health/liveness}, {@code /actuator/health/dns}; 503 when the
 * group's status maps to it: DOWN and OUT_OF_SERVICE by default), {@code /actuator/info}, {@code /actuator/prometheus}
 * (Prometheus text, or OpenMetrics when the scraper asks for it; {@code includedNames} as Spring Boot's endpoint has
 * it) and {@code /actuator/upstreams}. All of them read only; every other path is 404, another method 405. This set is
 * fixed: nothing that writes, and no other actuator endpoint, can be exposed.
 */
final class ActuatorRoutes implements HttpRoutes {

    static final String PREFIX = "/actuator";
    static final List<String> EXPOSED = List.of("health", "info", "prometheus", "upstreams");
    private static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final Supplier<ActuatorEndpoints> endpoints;

    /** @param endpoints the endpoints, created on first use if they do not exist yet */
    ActuatorRoutes(Supplier<ActuatorEndpoints> endpoints) {
        this.endpoints = endpoints;
    }

    @Override
    public HttpReply handle(HttpRequestLine request) {
        String path = request.path();
        while (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (!path.equals(PREFIX) && !path.startsWith(PREFIX + "/")) {
            return HttpReply.notFound();
        }
        String[] segments = path.equals(PREFIX) ? new String[0] : path.substring(PREFIX.length() + 1).split("/");
        if (segments.length > 0 && !EXPOSED.contains(segments[0])) {
            return HttpReply.notFound();
        }
        if (segments.length > 1 && !segments[0].equals("health")) {
            return HttpReply.notFound();
        }
        if (!request.isRead()) {
            return HttpReply.text(405, "Method Not Allowed\n");
        }
        if (segments.length == 0) {
            return links();
        }
        ActuatorEndpoints actuator = endpoints.get();
        return switch (segments[0]) {
            case "health" -> health(actuator, Arrays.copyOfRange(segments, 1, segments.length));
            case "info" -> HttpReply.json(200, JsonWriter.write(actuator.info().info()));
            case "prometheus" -> actuator.prometheus().map(registry -> prometheus(registry, request)).orElseGet(HttpReply::notFound);
            default -> HttpReply.json(200, JsonWriter.write(actuator.upstreams().upstreams()));
        };
    }

    /** One of {@code /actuator}'s links, as Spring Boot's actuator writes them. */
    record Link(String href, boolean templated) {
    }

    private static HttpReply links() {
        Map<String, Object> links = new LinkedHashMap<>();
        links.put("self", new Link(PREFIX, false));
        for (String id : EXPOSED) {
            links.put(id, new Link(PREFIX + "/" + id, false));
        }
        links.put("health-path", new Link(PREFIX + "/health/{*path}", true));
        return HttpReply.json(200, JsonWriter.write(Map.of("_links", links)));
    }

    private static HttpReply health(ActuatorEndpoints actuator, String[] path) {
        HealthDescriptor health = path.length == 0 ? actuator.health().health() : actuator.health().healthForPath(path);
        if (health == null) {
            return HttpReply.notFound();
        }
        HealthEndpointGroup group = path.length > 0 && actuator.groups().get(path[0]) != null
                ? actuator.groups().get(path[0]) : actuator.groups().getPrimary();
        return HttpReply.json(group.getHttpCodeStatusMapper().getStatusCode(health.getStatus()), JsonWriter.write(health));
    }

    private static HttpReply prometheus(PrometheusMeterRegistry registry, HttpRequestLine request) {
        String contentType = request.accept().contains("application/openmetrics-text") ? OPENMETRICS : PROMETHEUS_TEXT;
        List<String> names = request.parameters().getOrDefault("includedNames", List.of());
        Set<String> included = new LinkedHashSet<>();
        for (String value : names) {
            for (String name : value.split(",")) {
                if (!name.isBlank()) {
                    included.add(name.trim());
                }
            }
        }
        return scrape(registry, contentType, included);
    }

    /** The registry's metrics in {@code contentType}; only the {@code included} families unless that is empty. */
    static HttpReply scrape(PrometheusMeterRegistry registry, String contentType, Set<String> included) {
        String body = included.isEmpty() ? registry.scrape(contentType) : registry.scrape(contentType, included);
        return new HttpReply(200, contentType, body.getBytes(StandardCharsets.UTF_8));
    }
}
