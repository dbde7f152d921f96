package io.kubeforward;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.discovery.DiscoveryProperties;
import io.kubeforward.server.ListenerProperties;
import io.kubeforward.testing.MarkdownTables;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What the docs state about Spring properties and metrics, against the code: the property tables of
 * docs/configuration.md name exactly the components of their {@code @ConfigurationProperties} records, with the
 * records' defaults; every {@code kubeforward_*} metric a doc names is one the code registers, and docs/metrics.md
 * names every one the code registers (read from the sources, so metrics of features a test does not start count too).
 */
class DocumentedSettingsTest {

    private static final Path DOCS = Path.of("docs");
    private static final Path MAIN = Path.of("src/main/java/io/kubeforward");
    private static final Pattern METER = Pattern.compile(
            "\\b(Counter|Gauge|Timer|FunctionCounter|FunctionTimer|DistributionSummary)\\s*\\.\\s*builder\\(\\s*\"(kubeforward\\.[a-z.]+)\"");
    private static final Pattern DOCUMENTED_METRIC = Pattern.compile("\\bkubeforward_[a-z_]*[a-z]");

    @ParameterizedTest(name = "{0}")
    @CsvSource({"## Listeners (`kubeforward.listener.*`), io.kubeforward.server.ListenerProperties",
            "## Kubernetes client (`kubeforward.kubernetes.*`), io.kubeforward.discovery.DiscoveryProperties"})
    void aPropertyTableNamesExactlyItsRecordsComponentsWithTheirDefaults(String heading, Class<?> record) throws IOException {
        Map<String, String> documented = new LinkedHashMap<>();
        for (List<String> row : MarkdownTables.rows(DOCS.resolve("configuration.md"), heading)) {
            documented.put(MarkdownTables.camel(row.get(0).replace("`", "")), row.get(1));
        }
        Map<String, String> defaults = new LinkedHashMap<>();
        for (RecordComponent component : record.getRecordComponents()) {
            DefaultValue value = component.getAnnotation(DefaultValue.class);
            if (value == null) {
                value = constructorParameterDefault(record, component);
            }
            defaults.put(component.getName(), value == null ? "" : String.join(",", value.value()));
        }
        assertThat(documented.keySet()).as("properties in %s", heading).isEqualTo(defaults.keySet());
        defaults.forEach((property, value) -> {
            String stated = documented.get(property);
            if (value.isEmpty()) {
                assertThat(stated).as("default of %s", property).isEqualTo("empty");
            } else {
                assertThat(stated).as("default of %s", property).startsWith(value);
            }
        });
    }

    /** {@code @DefaultValue} sits on the canonical constructor's parameters of a record. */
    private static DefaultValue constructorParameterDefault(Class<?> record, RecordComponent component) {
        Class<?>[] types = Arrays.stream(record.getRecordComponents()).map(RecordComponent::getType).toArray(Class<?>[]::new);
        try {
            var parameters = record.getDeclaredConstructor(types).getParameters();
            for (var parameter : parameters) {
                if (parameter.getName().equals(component.getName())) {
                    return parameter.getAnnotation(DefaultValue.class);
                }
            }
            return null;
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyMetricTheDocsNameIsRegisteredByTheCodeAndMetricsMdNamesThemAll() throws IOException {
        Set<String> code = registeredMetrics();
        assertThat(code).contains("kubeforward_dns_requests_total", "kubeforward_proxy_slow_answers_total",
                "kubeforward_proxy_request_duration_seconds", "kubeforward_proxy_srtt_seconds");
        List<Path> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(DOCS)) {
            files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        docs.add(Path.of("README.md"));
        docs.add(Path.of("charts/kubeforward/README.md"));
        for (Path doc : docs) {
            assertThat(documentedMetrics(Files.readString(doc))).as("metrics named in %s", doc).isSubsetOf(code);
        }
        assertThat(documentedMetrics(Files.readString(DOCS.resolve("metrics.md")))).as("metrics in docs/metrics.md")
                .containsAll(code);
    }

    /** The Prometheus names of the meters the sources register, as Micrometer's naming convention writes them. */
    private static Set<String> registeredMetrics() throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                Matcher m = METER.matcher(source);
                while (m.find()) {
                    String base = m.group(2).replace('.', '_');
                    int end = source.indexOf(".register(", m.end());
                    String chain = end < 0 ? "" : source.substring(m.end(), end);
                    names.add(switch (m.group(1)) {
                        case "Counter", "FunctionCounter" -> base + "_total";
                        case "Timer", "FunctionTimer" -> base + "_seconds";
                        default -> chain.contains(".baseUnit(\"seconds\")") ? base + "_seconds" : base;
                    });
                }
            }
        }
        return names;
    }

    private static Set<String> documentedMetrics(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = DOCUMENTED_METRIC.matcher(text);
        while (m.find()) {
            String name = m.group().replaceAll("_(bucket|count|sum|max)$", "");
            boolean family = text.startsWith("*", m.end()) || text.startsWith("_*", m.end()); // kubeforward_cache_*
            if (!family) {
                names.add(name);
            }
        }
        return names;
    }
}
