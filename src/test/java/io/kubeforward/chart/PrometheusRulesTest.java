package io.kubeforward.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.testcluster.KubernetesCluster;
import io.kubeforward.testcluster.RealKubernetesCluster;
import io.kubeforward.testing.Peers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The chart's PrometheusRule, rendered by helm, through promtool (Debian's {@code prometheus} package): the rules are
 * valid ({@code promtool check rules}), and the unit tests in {@code prometheusrule-tests.yaml} show every alert firing,
 * with its labels and text, on the situation it names, and silent when all is well ({@code promtool test rules}).
 * The cluster tier only provides helm; Prometheus itself runs in {@link MonitoringOnPrometheusTest}.
 */
@RealKubernetesCluster
class PrometheusRulesTest {

    private static final String TESTS = "prometheusrule-tests.yaml";
    private final KubernetesCluster cluster;

    PrometheusRulesTest(KubernetesCluster cluster) {
        this.cluster = cluster;
    }

    @Test
    void promtoolAcceptsTheRulesAndEveryAlertFiresOnItsSituationAndOnlyThere(@TempDir Path dir) throws Exception {
        Path promtool = Peers.require("promtool", "prometheus", "KUBEFORWARD_REQUIRE_PROMETHEUS");
        Path rules = MonitoringObjects.writeRules(cluster.helmBinary(), dir);
        try (InputStream tests = PrometheusRulesTest.class.getResourceAsStream(TESTS)) {
            Files.write(dir.resolve(TESTS), tests.readAllBytes());
        }

        String check = run(dir, promtool.toString(), "check", "rules", rules.toString());
        assertThat(check).contains("SUCCESS: " + MonitoringObjects.alerts(rules).size() + " rules found");
        String test = run(dir, promtool.toString(), "test", "rules", TESTS);
        assertThat(test).contains("SUCCESS");
        System.out.printf("[measure] promtool check rules: %d rules; promtool test rules: %s%n",
                MonitoringObjects.alerts(rules).size(), test.strip().replace('\n', ' '));
    }

    /** The unit tests cover every alert of the chart both ways: a case where it fires, and one where it stays silent. */
    @Test
    @SuppressWarnings("unchecked")
    void everyAlertHasAFiringAndASilentCase(@TempDir Path dir) throws Exception {
        Set<String> alerts = new TreeSet<>(MonitoringObjects.alerts(MonitoringObjects.writeRules(cluster.helmBinary(), dir)).stream()
                .map(MonitoringObjects.Alert::name).toList());
        Set<String> firing = new TreeSet<>();
        Set<String> silent = new TreeSet<>();
        Map<String, Object> file;
        try (InputStream in = PrometheusRulesTest.class.getResourceAsStream(TESTS)) {
            file = new Yaml().load(in);
        }
        for (Map<String, Object> test : (List<Map<String, Object>>) file.get("tests")) {
            for (Map<String, Object> check : (List<Map<String, Object>>) test.get("alert_rule_test")) {
                String name = (String) check.get("alertname");
                (((List<?>) check.get("exp_alerts")).isEmpty() ? silent : firing).add(name);
            }
        }
        assertThat(alerts).isNotEmpty();
        assertThat(firing).as("alerts shown firing").isEqualTo(alerts);
        assertThat(silent).as("alerts shown silent").isEqualTo(alerts);
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "promtool-", ".out");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("promtool did not finish within 60 s: " + String.join(" ", command));
        }
        String text = Files.readString(out);
        assertThat(process.exitValue()).as("%s exit code; output:%n%s", String.join(" ", command), text).isZero();
        return text;
    }
}
