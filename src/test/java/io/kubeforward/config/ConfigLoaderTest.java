package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class ConfigLoaderTest {

    private static final Map<String, String> TWO_YAML_SERVERS = Map.of(
            "kubeforward.servers[0].zones[0]", ".", "kubeforward.servers[0].forward.to[0]", "10.0.0.1",
            "kubeforward.servers[1].zones[0]", "cluster.local", "kubeforward.servers[1].forward.service.name", "kube-dns");

    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader(
            new CorefileSource(new EnvSubstitution(name -> Optional.empty())), new PropertiesMapper());

    private Path corefile(String text) throws IOException {
        return Files.writeString(dir.resolve("Corefile"), text);
    }

    private static KubeforwardProperties properties(Map<String, String> values, Optional<Path> corefile) {
        Map<String, String> all = new HashMap<>(values);
        corefile.ifPresent(path -> all.put("kubeforward.corefile", path.toString()));
        return TestProperties.bind(all);
    }

    @Test
    void aCorefileWinsOverYamlServersAndTheLogSaysHowManyAreIgnored(CapturedOutput output) throws IOException {
        Path file = corefile(".:1053 {\n    forward . 192.0.2.1\n}\n");
        KubeforwardConfig config = loader.load(properties(TWO_YAML_SERVERS, Optional.of(file)));
        assertThat(config.origin()).isEqualTo("Corefile " + file);
        assertThat(config.servers()).singleElement().satisfies(s -> assertThat(s.port()).isEqualTo(1053));
        assertThat(output).contains("Configuration from Corefile " + file
                + " (1 server block; kubeforward.corefile wins, 2 server blocks under kubeforward.servers ignored)");
    }

    @Test
    void yamlServersAreUsedWithoutACorefile(CapturedOutput output) {
        KubeforwardConfig config = loader.load(properties(TWO_YAML_SERVERS, Optional.empty()));
        assertThat(config.origin()).isEqualTo("Spring properties kubeforward.servers");
        assertThat(config.servers()).hasSize(2);
        assertThat(output).contains("Configuration from Spring properties kubeforward.servers (2 server blocks; no kubeforward.corefile)")
                .contains("Server block [.] port 53 bind 0.0.0.0, ::: forward . to dns://10.0.0.1:53 (static)")
                .contains("Server block [cluster.local.] port 53 bind 0.0.0.0, ::: forward . to kubernetes:<pod namespace>/kube-dns");
    }

    @Test
    void withNeitherSourceLoadingFails() {
        assertThatThrownBy(() -> loader.load(properties(Map.of(), Optional.empty())))
                .isInstanceOf(ConfigException.class)
                .hasMessage("kubeforward: no configuration: set kubeforward.corefile (env KUBEFORWARD_COREFILE)"
                        + " or kubeforward.servers (profiles 'local' and 'nodelocal' are examples)");
    }

    @Test
    void aBrokenCorefileFailsEvenWhenYamlServersAreValid() throws IOException {
        Path file = corefile(".:53 {\n    forward . 192.0.2.1 {\n        max_fail 1\n    }\n}\n");
        assertThatThrownBy(() -> loader.load(properties(TWO_YAML_SERVERS, Optional.of(file))))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ":3: forward: unknown option 'max_fail'");
    }

    @Test
    void warningsAreLoggedAtWarnWithTheirLocation(CapturedOutput output) throws IOException {
        Path file = corefile(".:53 {\n    forward . 192.0.2.1 {\n        force_tcp\n        prefer_udp\n    }\n}\n");
        loader.load(properties(Map.of(), Optional.of(file)));
        assertThat(output).containsPattern("WARN .*" + java.util.regex.Pattern.quote(
                file + ":4: forward: both force_tcp and prefer_udp are set; force_tcp wins and prefer_udp is ignored"));
    }
}
