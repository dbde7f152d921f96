package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubeforward.testing.LookupGuard;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fuzzes the Corefile path end to end: lexer, parser and every directive reader, as {@link CorefileSource} runs them
 * on a file's text. Any text yields either a valid model or a {@link ConfigException} located at {@code FILE} or
 * {@code FILE:LINE} with a line of the text; nothing else is thrown, no host name is ever resolved, and the same
 * text always gives the same model. Seeds: real Corefiles (node-local-dns, CoreDNS's Kubernetes default, the
 * original plugin's README) and broken ones.
 */
class CorefileFuzzTest {

    private static final String FILE = "fuzz/Corefile";
    private static final Pattern LOCATION = Pattern.compile(Pattern.quote(FILE) + "(?::(\\d+))?");
    private static final Map<String, String> ENV = Map.of("LOCAL_IP", "169.254.20.10", "DNS_SERVER_IP", "10.96.0.10",
            "CLUSTER_DNS_IP", "10.96.0.11", "CLUSTER_DOMAIN", "cluster.local", "PORT", "1053");
    private static final CorefileSource SOURCE = new CorefileSource(new EnvSubstitution(name -> Optional.ofNullable(ENV.get(name))));

    @FuzzTest(maxDuration = "30s")
    void parse(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        LoadedConfig[] loaded = new LoadedConfig[1];
        String lookup = LookupGuard.forbid(() -> loaded[0] = load(text));
        assertThat(lookup).as("a name lookup while loading the configuration").isNull();
        if (loaded[0] != null) {
            checkModel(loaded[0].config());
            LoadedConfig again = load(text);
            assertThat(again).as("the same text loads the same model").isEqualTo(loaded[0]);
        }
    }

    /** The model, or null after checking the {@link ConfigException}. */
    private static LoadedConfig load(String text) {
        try {
            return SOURCE.parse(FILE, text);
        } catch (ConfigException e) {
            Matcher location = LOCATION.matcher(e.location());
            assertThat(location.matches()).as("location '%s' of: %s", e.location(), e.getMessage()).isTrue();
            if (location.group(1) != null) {
                long lines = text.chars().filter(c -> c == '\n').count() + 1;
                assertThat(Long.parseLong(location.group(1))).as(e.getMessage()).isBetween(1L, lines);
            }
            assertThat(e.getMessage()).startsWith(e.location() + ": ");
            assertThat(e.problem()).isNotBlank();
            return null;
        } catch (RuntimeException | StackOverflowError e) {
            throw new AssertionError("not a ConfigException: " + e, e);
        }
    }

    private static void checkModel(KubeforwardConfig config) {
        Set<String> zonePorts = new HashSet<>();
        for (ServerBlock server : config.servers()) {
            assertThat(server.port()).isBetween(0, 65535);
            assertThat(server.bindAddresses()).isNotEmpty().doesNotHaveDuplicates();
            for (String zone : server.zones()) {
                assertThat(DomainNames.normalize(zone)).as("zone is normalized").isEqualTo(zone);
                assertThat(zonePorts.add(zone + ":" + server.port())).as("zone %s:%s once", zone, server.port()).isTrue();
            }
            server.forward().ifPresent(rule -> {
                assertThat(DomainNames.normalize(rule.from())).isEqualTo(rule.from());
                rule.except().forEach(name -> assertThat(DomainNames.normalize(name)).isEqualTo(name));
                if (rule.source() instanceof StaticUpstreams upstreams) {
                    assertThat(upstreams.upstreams()).hasSizeBetween(1, StaticUpstreams.MAX_UPSTREAMS)
                            .extracting(UpstreamAddress::url).doesNotHaveDuplicates();
                    upstreams.upstreams().forEach(u -> assertThat(u.address().isUnresolved()).isFalse());
                }
            });
        }
    }
}
