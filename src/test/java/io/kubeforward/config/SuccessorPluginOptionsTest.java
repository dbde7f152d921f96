package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The options of deckhouse/coredns-kubeforward v0.5.0 (the successor plugin): its README block loads as written,
 * each of its forms maps onto the model in the Corefile and in YAML, and the docs show both plugins' blocks verbatim.
 */
class SuccessorPluginOptionsTest {

    private static final Path DOCS = Path.of("docs");

    /** A kubeforward block for Service kube-dns with {@code options} after service_name (options start on line 4). */
    private static String kubeforwardWith(String options) {
        return ".:53 {\n    kubeforward {\n        service_name kube-dns\n" + options + "\n    }\n}\n";
    }

    private static ForwardOptions optionsOf(String corefile) {
        return TestCorefiles.parse(corefile).config().servers().get(0).forward().orElseThrow().options();
    }

    @Test
    void theSuccessorsReadmeBlockLoadsAsWritten() {
        LoadedConfig loaded = TestCorefiles.parse(PluginReadmes.SUCCESSOR.corefile());
        ServerBlock server = loaded.config().servers().get(0);
        assertThat(server.logErrors()).isTrue();
        assertThat(server.logQueries()).isTrue();
        ForwardRule rule = server.forward().orElseThrow();
        assertThat(rule.source()).isEqualTo(new KubernetesServiceUpstreams("kube-system", "kube-dns", "dns", OptionalInt.empty()));
        ForwardOptions options = rule.options();
        assertThat(options.expire()).isEqualTo(Duration.ofMinutes(10));
        assertThat(options.readTimeout()).as("upstream_read_timeout 5s").isEqualTo(Duration.ofSeconds(5));
        assertThat(options.healthCheck()).as("health_check no_rec domain example.org")
                .isEqualTo(new HealthCheck(HealthCheck.DEFAULT_INTERVAL, false, "example.org."));
        assertThat(options.forceTcp()).isTrue();
        assertThat(options.preferUdp()).isFalse();
        assertThat(options.slowThreshold()).contains(Duration.ofMillis(300));
        assertThat(options.slowLog()).isTrue();
        assertThat(loaded.warnings()).extracting(ConfigWarning::toString).containsExactly(
                "Corefile:11: kubeforward: both force_tcp and prefer_udp are set; force_tcp wins and prefer_udp is ignored");
    }

    /** configuration.md and migrating.md show both plugins' README blocks exactly as the READMEs do. */
    @ParameterizedTest
    @EnumSource(PluginReadmes.class)
    void theDocsShowTheReadmeBlockVerbatim(PluginReadmes readme) throws IOException {
        String fenced = "```\n" + readme.corefile() + "```\n";
        for (String doc : new String[] {"configuration.md", "migrating.md"}) {
            assertThat(Files.readString(DOCS.resolve(doc))).as("%s shows the %s README block", doc, readme).contains(fenced);
        }
    }

    static Stream<Arguments> forms() {
        HealthCheck probesNoRec = new HealthCheck(HealthCheck.DEFAULT_INTERVAL, false, ".");
        return Stream.of(
                Arguments.of("health_check no_rec", probesNoRec),
                Arguments.of("health_check domain example.org", new HealthCheck(HealthCheck.DEFAULT_INTERVAL, true, "example.org.")),
                Arguments.of("health_check domain example.org no_rec", new HealthCheck(HealthCheck.DEFAULT_INTERVAL, false, "example.org.")),
                Arguments.of("health_check 2s no_rec domain example.org", new HealthCheck(Duration.ofSeconds(2), false, "example.org.")),
                Arguments.of("health_check 0s", new HealthCheck(Duration.ZERO, true, ".")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("forms")
    void healthCheckWithAndWithoutAnInterval(String line, HealthCheck expected) {
        assertThat(optionsOf(kubeforwardWith("        " + line)).healthCheck()).isEqualTo(expected);
        assertThat(optionsOf(".:53 {\n    forward . 10.0.0.1 {\n        " + line + "\n    }\n}\n").healthCheck()).isEqualTo(expected);
    }

    @Test
    void slowThresholdZeroIsOffAndSlowLogAloneWarns() {
        ForwardOptions off = optionsOf(kubeforwardWith("        slow_threshold 0s"));
        assertThat(off.slowThreshold()).isEmpty();
        LoadedConfig alone = TestCorefiles.parse(kubeforwardWith("        slow_log"));
        assertThat(alone.config().servers().get(0).forward().orElseThrow().options().slowLog()).isTrue();
        assertThat(alone.warnings()).extracting(ConfigWarning::toString).containsExactly(
                "Corefile:4: kubeforward: slow_log without slow_threshold (or with 0) logs nothing; set slow_threshold D");
        assertThat(optionsOf(".:53 {\n    forward . 10.0.0.1 {\n        slow_threshold 1s\n        slow_log\n    }\n}\n"))
                .extracting(ForwardOptions::slowThreshold, ForwardOptions::slowLog)
                .containsExactly(Optional.of(Duration.ofSeconds(1)), true);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of(kubeforwardWith("        read_timeout 1s\n        upstream_read_timeout 5s"),
                        "Corefile:5: kubeforward: upstream_read_timeout: the same setting as read_timeout (at Corefile:4; expected: one of the two)"),
                Arguments.of(kubeforwardWith("        upstream_read_timeout 5s\n        read_timeout 1s"),
                        "Corefile:5: kubeforward: read_timeout: the same setting as upstream_read_timeout (at Corefile:4; expected: one of the two)"),
                Arguments.of(".:53 {\n    forward . 10.0.0.1 {\n        upstream_read_timeout 5s\n    }\n}\n",
                        "Corefile:3: forward: unknown option 'upstream_read_timeout' (the kubeforward plugin's name for read_timeout: write read_timeout)"),
                Arguments.of(kubeforwardWith("        upstream_read_timeout 0s"), "Corefile:4: kubeforward: upstream_read_timeout: 0s (expected: > 0)"),
                Arguments.of(kubeforwardWith("        upstream_read_timeout"),
                        "Corefile:4: kubeforward: upstream_read_timeout: wrong number of arguments: 0 (expected: 1)"),
                Arguments.of(kubeforwardWith("        health_check"), "Corefile:4: kubeforward: health_check: wrong number of arguments: 0 (expected: 1 to 4)"),
                Arguments.of(kubeforwardWith("        health_check no_rec 5s"),
                        "Corefile:4: kubeforward: health_check: unknown argument '5s' (expected: [DURATION] [no_rec] [domain FQDN])"),
                Arguments.of(kubeforwardWith("        health_check domain"), "Corefile:4: kubeforward: health_check: 'domain' needs a name"),
                Arguments.of(kubeforwardWith("        health_check 5"), "Corefile:4: kubeforward: health_check: " + goDurationError("5")),
                Arguments.of(kubeforwardWith("        slow_threshold -1s"), "Corefile:4: kubeforward: slow_threshold: -1s (expected: >= 0)"),
                Arguments.of(kubeforwardWith("        slow_threshold fast"), "Corefile:4: kubeforward: slow_threshold: " + goDurationError("fast")),
                Arguments.of(kubeforwardWith("        slow_log yes"), "Corefile:4: kubeforward: slow_log: wrong number of arguments: 1 (expected: 0)"),
                Arguments.of(kubeforwardWith("        slow_log\n        slow_log"), "Corefile:5: kubeforward: slow_log: given twice (first at Corefile:4)"));
    }

    private static String goDurationError(String text) {
        try {
            GoDuration.parse(text);
            throw new AssertionError(text + " parsed");
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("malformed")
    void malformedFormsNameFileLineAndOption(String corefile, String message) {
        assertThatThrownBy(() -> TestCorefiles.parse(corefile)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    private static final String F0 = "kubeforward.servers[0].forward";

    private static Map<String, String> service(String... more) {
        Map<String, String> properties = new HashMap<>(Map.of("kubeforward.servers[0].zones[0]", ".", F0 + ".service.name", "kube-dns"));
        for (int i = 0; i < more.length; i += 2) {
            properties.put(more[i], more[i + 1]);
        }
        return properties;
    }

    @Test
    void theYamlFormsGiveTheSameModelAsTheCorefile() {
        ForwardOptions yaml = TestProperties.map(service(F0 + ".upstream-read-timeout", "5s", F0 + ".health-check.no-rec", "true",
                F0 + ".health-check.domain", "example.org", F0 + ".slow-threshold", "300ms", F0 + ".slow-log", "true"))
                .config().servers().get(0).forward().orElseThrow().options();
        ForwardOptions corefile = optionsOf(kubeforwardWith("""
                        upstream_read_timeout 5s
                        health_check no_rec domain example.org
                        slow_threshold 300ms
                        slow_log"""));
        assertThat(yaml).isEqualTo(corefile);
        assertThat(TestProperties.map(service(F0 + ".slow-log", "true")).warnings()).extracting(ConfigWarning::toString)
                .containsExactly(F0 + ".slow-log: slow-log without slow-threshold (or with 0) logs nothing; set slow-threshold");
    }

    @Test
    void yamlRejectsBothReadTimeoutsAndTheAliasWithoutAService() {
        assertThatThrownBy(() -> TestProperties.map(service(F0 + ".read-timeout", "1s", F0 + ".upstream-read-timeout", "5s")))
                .hasMessage(F0 + ".upstream-read-timeout: the same setting as read-timeout (expected: one of the two)");
        assertThatThrownBy(() -> TestProperties.map(Map.of("kubeforward.servers[0].zones[0]", ".", F0 + ".to[0]", "10.0.0.1",
                F0 + ".upstream-read-timeout", "5s")))
                .hasMessage(F0 + ".upstream-read-timeout: only with service (the kubeforward plugin's name for read-timeout: write read-timeout)");
        assertThatThrownBy(() -> TestProperties.map(service(F0 + ".slow-threshold", "-1s")))
                .hasMessage(F0 + ".slow-threshold: -1s (expected: >= 0)");
    }
}
