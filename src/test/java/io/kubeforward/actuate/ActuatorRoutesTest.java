package io.kubeforward.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.actuate.info.InfoEndpoint;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;

/** The management port's routes: what is served, what is 404 or 405, and that those never create the endpoints. */
class ActuatorRoutesTest {

    private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    static StaticListableBeanFactory endpointBeans() {
        StaticListableBeanFactory beans = new StaticListableBeanFactory();
        beans.addBean("healthEndpoint", mock(HealthEndpoint.class));
        beans.addBean("healthEndpointGroups", mock(HealthEndpointGroups.class));
        beans.addBean("infoEndpoint", new InfoEndpoint(List.of(builder -> builder.withDetail("app", Map.of("name", "kubeforward")))));
        beans.addBean("upstreamsEndpoint", mock(UpstreamsEndpoint.class));
        return beans;
    }

    private ActuatorRoutes routes() {
        StaticListableBeanFactory beans = endpointBeans();
        UpstreamsEndpoint upstreams = beans.getBean(UpstreamsEndpoint.class);
        when(upstreams.upstreams()).thenReturn(new UpstreamsEndpoint.Report(List.of()));
        ActuatorEndpoints endpoints = new ActuatorEndpoints(beans.getBean(HealthEndpoint.class), beans.getBean(HealthEndpointGroups.class),
                beans.getBean(InfoEndpoint.class), Optional.of(prometheus), upstreams);
        return new ActuatorRoutes(() -> endpoints);
    }

    private static HttpRequestLine get(String path) {
        return new HttpRequestLine("GET", path, Map.of(), "*/*");
    }

    private static String body(HttpReply reply) {
        return new String(reply.body(), StandardCharsets.UTF_8);
    }

    @Test
    void servesInfoUpstreamsAndPrometheus() {
        prometheus.counter("kubeforward_test_total").increment();
        ActuatorRoutes routes = routes();
        assertThat(body(routes.handle(get("/actuator/info")))).isEqualTo("{\"app\":{\"name\":\"kubeforward\"}}");
        assertThat(body(routes.handle(get("/actuator/upstreams/")))).as("a trailing slash").isEqualTo("{\"pools\":[]}");
        HttpReply text = routes.handle(get("/actuator/prometheus"));
        assertThat(text.contentType()).startsWith("text/plain; version=0.0.4");
        assertThat(body(text)).contains("kubeforward_test_total 1.0");
        HttpReply openMetrics = routes.handle(new HttpRequestLine("GET", "/actuator/prometheus", Map.of(),
                "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"));
        assertThat(openMetrics.contentType()).startsWith("application/openmetrics-text");
        assertThat(body(openMetrics)).endsWith("# EOF\n");
        prometheus.counter("other_total").increment();
        HttpReply some = routes.handle(new HttpRequestLine("GET", "/actuator/prometheus", Map.of("includedNames", List.of("other")), ""));
        assertThat(body(some)).contains("other_total").doesNotContain("kubeforward_test_total");
        assertThat(body(routes.handle(get("/actuator")))).contains("\"upstreams\":{\"href\":\"/actuator/upstreams\"");
    }

    @Test
    void everythingElseIs404AndWritesAre405WithoutCreatingTheEndpoints() {
        ActuatorRoutes routes = new ActuatorRoutes(() -> {
            throw new AssertionError("the endpoints were asked for");
        });
        for (String path : new String[] {"/", "/actuatorx", "/actuator/env", "/actuator/beans", "/actuator/shutdown", "/actuator/loggers/ROOT",
            "/actuator/heapdump", "/actuator/metrics", "/actuator/upstreams/x", "/actuator/info/x", "/metrics"}) {
            assertThat(routes.handle(get(path)).status()).as(path).isEqualTo(404);
            assertThat(routes.handle(new HttpRequestLine("POST", path, Map.of(), "")).status()).as("POST " + path).isEqualTo(404);
        }
        assertThat(routes.handle(new HttpRequestLine("POST", "/actuator/upstreams", Map.of(), "")).status()).isEqualTo(405);
        assertThat(routes.handle(new HttpRequestLine("DELETE", "/actuator/health", Map.of(), "")).status()).isEqualTo(405);
    }
}
