package io.kubeforward.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubeforward.server.DnsServer;
import io.kubeforward.testing.DnsTestClient;
import io.kubeforward.testing.TestUpstream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The whole application, started as users start it (Spring context, YAML configuration, actuator on its
 * HTTP port), forwarding to two real loopback DNS servers.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class KubeforwardApplicationTest {

    private static final TestUpstream first = start("10.0.0.1");
    private static final TestUpstream second = start("10.0.0.2");

    @Autowired
    private DnsServer dnsServer;

    @Autowired
    private Environment environment;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    private static TestUpstream start(String marker) {
        try {
            return TestUpstream.start(marker);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void config(DynamicPropertyRegistry registry) {
        registry.add("kubeforward.servers[0].zones[0]", () -> "example.test.");
        registry.add("kubeforward.servers[0].port", () -> "0");
        registry.add("kubeforward.servers[0].bind[0]", () -> "127.0.0.1");
        registry.add("kubeforward.servers[0].forward.from", () -> ".");
        registry.add("kubeforward.servers[0].forward.to[0]", () -> "127.0.0.1:" + first.port());
        registry.add("kubeforward.servers[0].forward.to[1]", () -> "127.0.0.1:" + second.port());
        registry.add("kubeforward.servers[0].forward.policy", () -> "sequential");
        registry.add("kubeforward.servers[0].forward.health-check.interval", () -> "100ms");
    }

    @AfterAll
    static void stopUpstreams() {
        first.close();
        second.close();
    }

    private InetSocketAddress dns() {
        return dnsServer.listeners().get(0).address();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port") + path);
        return http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port") + path);
        return http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersOverUdpAndTcpAndRefusesOtherZones() throws IOException {
        DnsTestClient client = new DnsTestClient(dns(), Duration.ofSeconds(6));
        Message udp = client.udp("www.example.test.");
        Message tcp = client.tcp("www.example.test.");
        assertThat(((ARecord) udp.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress()).isEqualTo("10.0.0.1");
        assertThat(((ARecord) tcp.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress()).isEqualTo("10.0.0.1");
        assertThat(client.udp("www.other.org.").getRcode()).isEqualTo(Rcode.REFUSED);
    }

    @Test
    void upstreamsEndpointShowsEveryUpstreamWithItsState() throws Exception {
        new DnsTestClient(dns(), Duration.ofSeconds(6)).udp("count.example.test.");
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            JsonNode upstream = json.readTree(get("/actuator/upstreams").body()).get("pools").get(0).get("upstreams").get(1);
            return upstream.get("lastProbe") != null && !upstream.get("lastProbe").isNull();
        });
        HttpResponse<String> response = get("/actuator/upstreams");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode pool = json.readTree(response.body()).get("pools").get(0);
        assertThat(pool.get("zones").get(0).asString()).isEqualTo("example.test.");
        assertThat(pool.get("policy").asString()).isEqualTo("sequential");
        assertThat(pool.get("source").asString()).isEqualTo("static");
        JsonNode upstreams = pool.get("upstreams");
        assertThat(upstreams).hasSize(2);
        JsonNode a = upstreams.get(0);
        assertThat(a.get("address").asString()).isEqualTo("127.0.0.1");
        assertThat(a.get("port").asInt()).isEqualTo(first.port());
        assertThat(a.get("transport").asString()).isEqualTo("dns");
        assertThat(a.get("healthy").asBoolean()).isTrue();
        assertThat(a.get("consecutiveFailures").asInt()).isZero();
        assertThat(a.get("queries").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(a.get("origin").asString()).isEqualTo("static");
        assertThat(upstreams.get(1).get("lastProbeOk").asBoolean()).isTrue();
        assertThat(upstreams.get(1).get("lastProbeRttMillis").asDouble()).isGreaterThan(0);
    }

    @Test
    void prometheusShowsDnsMetrics() throws Exception {
        new DnsTestClient(dns(), Duration.ofSeconds(6)).udp("metrics.example.test.");
        String metrics = get("/actuator/prometheus").body();
        assertThat(metrics).contains("kubeforward_dns_requests_total{", "proto=\"udp\"", "qtype=\"A\"");
        assertThat(metrics).contains("kubeforward_dns_responses_total{", "rcode=\"NOERROR\"");
        assertThat(metrics).contains("kubeforward_dns_request_duration_seconds_bucket{");
        assertThat(metrics).contains("kubeforward_proxy_request_duration_seconds_bucket{");
        // CoreDNS's buckets: 250 µs doubling to 8.192 s, then +Inf.
        assertThat(metrics).containsPattern("kubeforward_dns_request_duration_seconds_bucket\\{[^}]*le=\"(2.5E-4|0.00025)\"");
        assertThat(metrics).containsPattern("kubeforward_dns_request_duration_seconds_bucket\\{[^}]*le=\"8.192\"");
        assertThat(metrics.lines().filter(l -> l.startsWith("kubeforward_dns_request_duration_seconds_bucket{")).count())
                .isEqualTo(17);
        assertThat(metrics).contains("kubeforward_forward_healthcheck_broken_total{");
        assertThat(metrics).contains("kubeforward_forward_max_concurrent_rejects_total{");
        assertThat(metrics).contains("kubeforward_proxy_healthcheck_failures_total{");
        assertThat(metrics).contains("kubeforward_proxy_conn_cache_hits_total{");
    }

    @Test
    void everyKubeforwardMetricIsDocumented() throws Exception {
        new DnsTestClient(dns(), Duration.ofSeconds(6)).udp("docs.example.test.");
        String docs = java.nio.file.Files.readString(java.nio.file.Path.of("docs/metrics.md"));
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (String line : get("/actuator/prometheus").body().split("\n")) {
            if (line.startsWith("kubeforward_")) {
                names.add(line.replaceAll("[{ ].*", "").replaceAll("_(bucket|count|sum|max)$", ""));
            }
        }
        assertThat(names).isNotEmpty();
        for (String name : names) {
            assertThat(docs).as("docs/metrics.md lists " + name).contains("`" + name + "`");
        }
        // docs/metrics.md says the management port's HTTP server has no metrics of its own: none is served.
        assertThat(get("/actuator/prometheus").body()).doesNotContain("reactor_netty_").doesNotContain("http_server_");
    }

    @Test
    void readinessIsUpWithListenersAndUpstreams() throws Exception {
        HttpResponse<String> readiness = get("/actuator/health/readiness");
        assertThat(readiness.statusCode()).isEqualTo(200);
        assertThat(readiness.body()).contains("\"status\":\"UP\"");
        assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
    }

    @Test
    void onlyHealthInfoPrometheusAndUpstreamsAreExposed() throws Exception {
        for (String exposed : new String[] {"/actuator/info", "/actuator/prometheus", "/actuator/upstreams"}) {
            assertThat(get(exposed).statusCode()).as(exposed).isEqualTo(200);
        }
        assertThat(get("/actuator/health").statusCode()).as("health: UP or DOWN, but there").isIn(200, 503);
        // Nothing writes: no shutdown, no log level change.
        assertThat(post("/actuator/shutdown", "").statusCode()).isEqualTo(404);
        assertThat(post("/actuator/loggers/ROOT", "{\"configuredLevel\":\"TRACE\"}").statusCode()).isEqualTo(404);
        for (String hidden : new String[] {"/actuator/env", "/actuator/beans", "/actuator/configprops", "/actuator/loggers",
            "/actuator/heapdump", "/actuator/threaddump", "/actuator/metrics", "/actuator/shutdown", "/actuator/refresh"}) {
            assertThat(get(hidden).statusCode()).as(hidden).isEqualTo(404);
        }
    }
}
