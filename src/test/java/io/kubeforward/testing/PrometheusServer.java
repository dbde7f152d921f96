package io.kubeforward.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A real Prometheus (Debian's {@code prometheus} package) on a loopback port, scraping kubeforward's
 * {@code /actuator/prometheus} every second and evaluating a rule file every second, its data in a directory of the
 * test's. Stopped (SIGTERM, then SIGKILL) by {@link #close()}.
 */
public final class PrometheusServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A scrape target: kubeforward's management address, with the labels a ServiceMonitor or PodMonitor would give it.
     *
     * @param hostPort the management port's {@code 127.0.0.1:PORT}
     * @param labels   e.g. {@code namespace}, {@code pod}, {@code node}
     */
    public record Target(String hostPort, Map<String, String> labels) {
    }

    private final Process process;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusServer(Process process, URI base) {
        this.process = process;
        this.base = base;
    }

    /** Starts {@code binary} on a free loopback port and waits until it is ready (at most 30 s). */
    public static PrometheusServer start(Path binary, Path dir, Path rules, List<Target> targets) throws IOException, InterruptedException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        StringBuilder config = new StringBuilder("""
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files:
                  - "%s"
                scrape_configs:
                  - job_name: kubeforward
                    metrics_path: /actuator/prometheus
                    static_configs:
                """.formatted(rules));
        for (Target target : targets) {
            config.append("      - targets: [\"").append(target.hostPort()).append("\"]\n        labels: {")
                    .append(target.labels().entrySet().stream().map(e -> e.getKey() + ": \"" + e.getValue() + "\"")
                            .collect(Collectors.joining(", ")))
                    .append("}\n");
        }
        Path file = Files.writeString(dir.resolve("prometheus.yml"), config);
        Process process = new ProcessBuilder(binary.toString(), "--config.file=" + file, "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        PrometheusServer server = new PrometheusServer(process, URI.create("http://127.0.0.1:" + port));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("prometheus exited: " + Files.readString(dir.resolve("prometheus.log")));
            }
            if (server.ready()) {
                return server;
            }
            Thread.sleep(200);
        }
        server.close();
        throw new IOException("prometheus not ready within 30 s: " + Files.readString(dir.resolve("prometheus.log")));
    }

    /** The result vector of an instant query (an error from Prometheus fails). */
    public List<JsonNode> query(String expr) throws IOException, InterruptedException {
        HttpResponse<String> response = get("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
        JsonNode body = JSON.readTree(response.body());
        if (response.statusCode() != 200 || !"success".equals(body.path("status").asString(""))) {
            throw new IllegalStateException("query " + expr + " failed: HTTP " + response.statusCode() + " " + response.body());
        }
        List<JsonNode> result = new ArrayList<>();
        body.path("data").path("result").forEach(result::add);
        return result;
    }

    /** The scrape targets' health, {@code up} or otherwise, by scrape URL. */
    public Map<String, String> targetHealth() throws IOException, InterruptedException {
        JsonNode body = JSON.readTree(get("/api/v1/targets").body());
        Map<String, String> health = new TreeMap<>();
        body.path("data").path("activeTargets").forEach(t -> health.put(t.path("scrapeUrl").asString(""),
                t.path("health").asString("") + " " + t.path("lastError").asString("")));
        return health;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private boolean ready() throws InterruptedException {
        try {
            return get("/-/ready").statusCode() == 200;
        } catch (IOException notYet) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
