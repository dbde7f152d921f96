package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import io.kubeforward.testing.MarkdownTables;
import java.lang.reflect.Field;
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
import org.junit.jupiter.api.Test;

/**
 * What docs/configuration.md and docs/migrating.md state about the Corefile and YAML options, against the parser and
 * the property records: every option named exists and every existing one is named, YAML keys are the records'
 * components, the stated defaults are the code's, and quoted errors are the real messages.
 */
class DocumentedOptionsTest {

    private static final Path CONFIGURATION = Path.of("docs/configuration.md");
    private static final Pattern FIRST_CODE = Pattern.compile("`([^`]*)`");

    private static List<List<String>> table(Path doc, String heading) throws IOException {
        return MarkdownTables.rows(doc, heading);
    }

    private static String firstCode(String cell) {
        Matcher m = FIRST_CODE.matcher(cell);
        return m.find() ? m.group(1) : "";
    }

    /** {@code `read_timeout D`} → {@code read_timeout}; {@code `force-tcp: true`} → {@code force-tcp}. */
    private static String name(String cell) {
        return firstCode(cell).split("[ :]", 2)[0];
    }

    private static Set<String> components(Class<?> record, String... except) {
        Set<String> names = new TreeSet<>(Arrays.stream(record.getRecordComponents()).map(RecordComponent::getName).toList());
        names.removeAll(Set.of(except));
        return names;
    }

    @SuppressWarnings("unchecked")
    private static Set<String> parserOptions() throws ReflectiveOperationException {
        Field options = ForwardOptionParser.class.getDeclaredField("OPTIONS");
        options.setAccessible(true);
        return new TreeSet<>(((Map<String, ?>) options.get(null)).keySet());
    }

    /** The error, if any, of a kubeforward block with {@code line}: never "unknown option" for a documented option. */
    private static String problemWith(String line) {
        try {
            TestCorefiles.parse(".:53 {\n    kubeforward {\n        service_name kube-dns\n        " + line + "\n    }\n}\n");
            return "";
        } catch (ConfigException e) {
            return e.getMessage();
        }
    }

    @Test
    void everyForwardOptionInTheTableExistsAndEveryExistingOneIsInTheTable() throws Exception {
        Map<String, String> yamlKeys = new LinkedHashMap<>();
        Set<String> documented = new TreeSet<>();
        for (List<String> row : table(CONFIGURATION, "## Forward options")) {
            String option = name(row.get(0));
            if (option.equals("next")) {
                continue; // documented as unsupported
            }
            documented.add(option);
            assertThat(problemWith(option)).as("documented option %s", option).doesNotContain("unknown option");
            if (!row.get(1).equals("—")) {
                yamlKeys.put(option, name(row.get(1)));
            }
        }
        assertThat(documented).isEqualTo(parserOptions());
        Set<String> yaml = new TreeSet<>(yamlKeys.values().stream().map(MarkdownTables::camel).toList());
        assertThat(yaml).as("YAML keys of the forward options").isEqualTo(components(KubeforwardProperties.Forward.class,
                "from", "to", "service"));
    }

    @Test
    void theKubeforwardBlocksOwnOptionsAreTheParsersAndTheServiceRecords() throws Exception {
        Set<String> yaml = new TreeSet<>();
        for (List<String> row : table(CONFIGURATION, "### `kubeforward { ... }`")) {
            if (row.get(0).startsWith("every")) {
                continue; // "every `forward` option below"
            }
            String option = name(row.get(0));
            assertThat(problemWith(option)).as("documented option %s", option).doesNotContain("unknown option");
            yaml.add(MarkdownTables.camel(name(row.get(1))));
        }
        assertThat(yaml).isEqualTo(components(KubeforwardProperties.Service.class));
    }

    @Test
    void theStatedDefaultsAreTheCodes() throws Exception {
        Map<String, String> defaults = new LinkedHashMap<>();
        for (List<String> row : table(CONFIGURATION, "## Forward options")) {
            defaults.put(name(row.get(0)), row.get(2));
        }
        ForwardOptions code = ForwardOptions.defaults();
        assertThat(defaults.get("max_fails")).isEqualTo(String.valueOf(code.maxFails()));
        assertThat(defaults.get("expire")).isEqualTo(GoDuration.format(code.expire()));
        assertThat(defaults.get("read_timeout")).isEqualTo(GoDuration.format(code.readTimeout()));
        assertThat(defaults.get("health_check")).startsWith(GoDuration.format(code.healthCheck().interval()) + ", RD set, `.`");
        assertThat(code.healthCheck().recursionDesired()).isTrue();
        assertThat(defaults.get("policy")).isEqualTo("`" + code.policy().configName() + "`");
        assertThat(defaults.get("slow_threshold")).isEqualTo("0 (off)");
        assertThat(code.slowThreshold()).isEmpty();
        assertThat(defaults.get("slow_log")).isEqualTo("off");
        assertThat(code.slowLog()).isFalse();
    }

    @Test
    void theQuotedErrorsAreTheRealOnes() throws IOException {
        String migrating = Files.readString(Path.of("docs/migrating.md"));
        String plugin = "Corefile:7: directive 'rewrite' is a CoreDNS plugin that kubeforward does not support";
        assertThat(migrating).contains("`" + plugin + "`");
        assertThatThrownBy(() -> TestCorefiles.parse(".:53 {\n    errors\n    log\n    cache 30\n    loop\n    forward . 10.0.0.1\n"
                + "    rewrite name foo bar\n}\n")).hasMessage(plugin);
        String configuration = Files.readString(CONFIGURATION);
        String unknown = "Corefile:7: forward: unknown option 'max_fail'";
        assertThat(configuration).contains(unknown);
        assertThatThrownBy(() -> TestCorefiles.parse(".:53 {\n    errors\n    forward . 10.0.0.1 {\n        force_tcp\n"
                + "        policy sequential\n        expire 5s\n        max_fail 3\n    }\n}\n")).hasMessage(unknown);
        assertThat(configuration).contains("`kubeforward: unexpected argument 'x'`");
        assertThatThrownBy(() -> TestCorefiles.parse(".:53 {\n    kubeforward x {\n        service_name a\n    }\n}\n"))
                .hasMessageContaining("kubeforward: unexpected argument 'x'");
    }
}
