package io.kubeforward.chart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The chart's monitoring objects as Prometheus and Grafana see them: the PrometheusRule's groups rendered by helm
 * (default values) into a plain Prometheus rule file, and the queries of the Grafana dashboard.
 */
final class MonitoringObjects {

    static final Path CHART = Path.of("charts/kubeforward");
    static final Path DASHBOARD = CHART.resolve("dashboards/kubeforward.json");

    /** One alerting rule. */
    record Alert(String name, String expr) {
    }

    /** One dashboard query. */
    record Panel(String title, String expr) {
    }

    private MonitoringObjects() {
    }

    /** Renders {@code templates/prometheusrule.yaml} with {@code helm} and writes its groups to {@code dir/rules.yaml}. */
    static Path writeRules(Path helm, Path dir) throws IOException, InterruptedException {
        Path home = Files.createDirectories(dir.resolve("helm-home"));
        Path out = dir.resolve("prometheusrule.yaml");
        ProcessBuilder builder = new ProcessBuilder(helm.toString(), "template", "kf", CHART.toString(), "--namespace", "kube-system",
                "--set", "metrics.prometheusRule.enabled=true", "--show-only", "templates/prometheusrule.yaml")
                .redirectErrorStream(true).redirectOutput(out.toFile());
        // helm keeps caches and settings under these; none of the user's are read or written.
        builder.environment().put("HELM_CACHE_HOME", home.resolve("cache").toString());
        builder.environment().put("HELM_CONFIG_HOME", home.resolve("config").toString());
        builder.environment().put("HELM_DATA_HOME", home.resolve("data").toString());
        builder.environment().remove("KUBECONFIG");
        Process process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException("helm template failed: " + Files.readString(out));
        }
        Map<String, Object> rule = new Yaml().load(Files.readString(out));
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) rule.get("spec");
        return Files.writeString(dir.resolve("rules.yaml"), new Yaml().dump(Map.of("groups", spec.get("groups"))));
    }

    @SuppressWarnings("unchecked")
    static List<Alert> alerts(Path rules) throws IOException {
        Map<String, Object> file = new Yaml().load(Files.readString(rules));
        List<Alert> alerts = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                if (rule.containsKey("alert")) {
                    alerts.add(new Alert((String) rule.get("alert"), ((String) rule.get("expr")).strip()));
                }
            }
        }
        return alerts;
    }

    /** Every query of every panel, rows included. */
    static List<Panel> dashboardPanels() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        List<Panel> panels = new ArrayList<>();
        collect(dashboard.path("panels"), panels);
        return panels;
    }

    private static void collect(JsonNode panels, List<Panel> into) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                into.add(new Panel(panel.path("title").asString(""), target.path("expr").asString("")));
            }
            collect(panel.path("panels"), into);
        }
    }

    /** The dashboard's variables filled in as Grafana would for "All" over a short range. */
    static String substitute(String expr, String rateInterval, String range) {
        return expr.replace("$__rate_interval", rateInterval).replace("$__range", range).replace("$instance", ".*")
                .replace("$pod", ".*");
    }
}
