package io.kubeforward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubeforward.config.CacheOptions.Prefetch;
import io.kubeforward.config.CacheOptions.ServeStale;
import io.kubeforward.config.CacheOptions.StaleMode;
import io.kubeforward.config.CacheOptions.Tier;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code cache} in a Corefile and {@code cache:} in YAML give the same {@link CacheOptions}, with CoreDNS's defaults. */
class CacheDirectiveTest {

    private static final String S0 = "kubeforward.servers[0]";
    private static final String C0 = S0 + ".cache";
    private static final Duration FIVE = Duration.ofSeconds(5);

    /** The cache of a block for {@code example.org} and {@code example.net} with {@code directive} as its only line. */
    private static Optional<CacheOptions> corefileCache(String directive) {
        return TestCorefiles.parse("example.org example.net {\n    " + directive + "\n}\n").config().servers().get(0).cache();
    }

    private static Optional<CacheOptions> yamlCache(String... properties) {
        Map<String, String> map = new HashMap<>(Map.of(S0 + ".zones", "example.org,example.net"));
        for (int i = 0; i < properties.length; i += 2) {
            map.put(properties[i], properties[i + 1]);
        }
        return TestProperties.map(map).config().servers().get(0).cache();
    }

    private static Tier tier(int capacity, int maxTtl, int minTtl, String... disabledZones) {
        return new Tier(capacity, Duration.ofSeconds(maxTtl), Duration.ofSeconds(minTtl), List.of(disabledZones));
    }

    @Test
    void withoutTheDirectiveNothingIsCached() {
        assertThat(corefileCache("errors")).isEmpty();
        assertThat(yamlCache()).isEmpty();
    }

    @Test
    void cacheAloneHasCoreDnsDefaultsForTheBlocksZones() {
        CacheOptions expected = new CacheOptions(tier(9984, 3600, 5), tier(9984, 1800, 5), Optional.empty(),
                Optional.empty(), FIVE, false, List.of("example.org.", "example.net."));
        assertThat(corefileCache("cache")).contains(expected);
        assertThat(CacheOptions.defaults(List.of("example.org.", "example.net."))).isEqualTo(expected);
        assertThat(yamlCache(C0 + ".enabled", "true")).contains(expected);
    }

    @Test
    void aTtlCapsBothCachesAndZonesNarrowWhatIsCached() {
        CacheOptions options = corefileCache("cache 30 Sub.Example.ORG").orElseThrow();
        assertThat(options.success()).isEqualTo(tier(9984, 30, 5));
        assertThat(options.denial()).isEqualTo(tier(9984, 30, 5));
        assertThat(options.zones()).containsExactly("sub.example.org.");
        assertThat(corefileCache("cache example.com").orElseThrow().zones()).containsExactly("example.com.");
        assertThat(yamlCache(C0 + ".ttl", "30", C0 + ".zones[0]", "Sub.Example.ORG")).contains(options);
    }

    @Test
    void successAndDenialLinesOverrideTheDirectiveTtlOnlyWhereGiven() {
        CacheOptions options = corefileCache("cache 30 {\n        success 5000\n        denial 2500 10 1\n    }").orElseThrow();
        assertThat(options.success()).isEqualTo(tier(5000, 30, 5));
        assertThat(options.denial()).isEqualTo(tier(2500, 10, 1));
        assertThat(yamlCache(C0 + ".ttl", "30", C0 + ".success.capacity", "5000", C0 + ".denial.capacity", "2500",
                C0 + ".denial.ttl", "10s", C0 + ".denial.min-ttl", "1")).contains(options);
    }

    @Test
    void theMaxTtlMayBeBelowTheDefaultMinTtlAsInCoreDns() {
        assertThat(corefileCache("cache 3").orElseThrow().success()).isEqualTo(tier(9984, 3, 5));
    }

    @Test
    void everyOptionGivesTheSameModelInYamlAsInTheCorefile() {
        CacheOptions corefile = corefileCache("""
                cache 300 example.org {
                        success 10000 600 10
                        denial 500 60 0
                        prefetch 10 30s 20%
                        serve_stale 2h verify
                        servfail 0
                        disable success internal.example.org
                        disable denial
                        keepttl
                    }""").orElseThrow();
        assertThat(corefile).isEqualTo(new CacheOptions(tier(10000, 600, 10, "internal.example.org."),
                tier(500, 60, 0, "."), Optional.of(new Prefetch(10, Duration.ofSeconds(30), 20)),
                Optional.of(new ServeStale(Duration.ofHours(2), StaleMode.VERIFY)), Duration.ZERO, true,
                List.of("example.org.")));
        assertThat(yamlCache(C0 + ".ttl", "300", C0 + ".zones[0]", "example.org",
                C0 + ".success.capacity", "10000", C0 + ".success.ttl", "600", C0 + ".success.min-ttl", "10",
                C0 + ".success.disabled-zones[0]", "internal.example.org",
                C0 + ".denial.capacity", "500", C0 + ".denial.ttl", "1m", C0 + ".denial.min-ttl", "0",
                C0 + ".prefetch.amount", "10", C0 + ".prefetch.duration", "30s", C0 + ".prefetch.percentage", "20",
                C0 + ".serve-stale.duration", "2h", C0 + ".serve-stale.mode", "verify", C0 + ".servfail", "0s",
                C0 + ".disable[0]", "denial", C0 + ".keepttl", "true")).contains(corefile);
    }

    /** The example in docs/configuration.md. */
    @Test
    void theDocumentedNodeLocalExampleIsTheSameInBothSources() {
        KubeforwardConfig corefile = TestCorefiles.parse("""
                cluster.local:53 {
                    cache {
                        success 9984 30
                        denial 9984 5
                        serve_stale 1h
                        prefetch 10 1m 20%
                    }
                }
                """).config();
        KubeforwardConfig yaml = TestProperties.map(Map.of(S0 + ".zones[0]", "cluster.local",
                C0 + ".success.capacity", "9984", C0 + ".success.ttl", "30",
                C0 + ".denial.capacity", "9984", C0 + ".denial.ttl", "5",
                C0 + ".serve-stale.duration", "1h", C0 + ".serve-stale.mode", "immediate",
                C0 + ".prefetch.amount", "10", C0 + ".prefetch.duration", "1m", C0 + ".prefetch.percentage", "20")).config();
        assertThat(yaml.servers()).isEqualTo(corefile.servers());
        assertThat(corefile.servers().get(0).cache()).contains(new CacheOptions(tier(9984, 30, 5), tier(9984, 5, 5),
                Optional.of(new Prefetch(10, Duration.ofMinutes(1), 20)),
                Optional.of(new ServeStale(Duration.ofHours(1), StaleMode.IMMEDIATE)), FIVE, false, List.of("cluster.local.")));
    }

    @Test
    void prefetchAndServeStaleDefaultAsInCoreDns() {
        CacheOptions options = corefileCache("cache {\n        prefetch 2\n        serve_stale\n    }").orElseThrow();
        assertThat(options.prefetch()).contains(new Prefetch(2, Duration.ofMinutes(1), 10));
        assertThat(options.serveStale()).contains(new ServeStale(Duration.ofHours(1), StaleMode.IMMEDIATE));
        assertThat(corefileCache("cache {\n        serve_stale 10m VERIFY\n    }").orElseThrow().serveStale())
                .contains(new ServeStale(Duration.ofMinutes(10), StaleMode.VERIFY));
        assertThat(yamlCache(C0 + ".prefetch.amount", "2", C0 + ".serve-stale.mode", "immediate")).contains(options);
    }

    @Test
    void disablingACacheEverywhereIsTheRootZone() {
        CacheOptions options = corefileCache("cache {\n        disable success\n    }").orElseThrow();
        assertThat(options.success().disabledEverywhere()).isTrue();
        assertThat(options.denial().disabledEverywhere()).isFalse();
        assertThat(yamlCache(C0 + ".disable", "success")).contains(options);
    }

    @Test
    void aDisabledYamlCacheKeepsItsSettingsOutOfTheModel() {
        assertThat(yamlCache(C0 + ".enabled", "false", C0 + ".ttl", "30")).isEmpty();
    }

    static Stream<Arguments> malformedYaml() {
        return Stream.of(
                Arguments.of(C0 + ".ttl", "0", C0 + ".ttl: TTL 0 (expected: >= 1)"),
                Arguments.of(C0 + ".ttl", "1500ms", C0 + ".ttl: TTL 1.5s (expected: whole seconds)"),
                Arguments.of(C0 + ".zones[0]", "a..b", C0 + ".zones[0]: 'a..b' is not a valid domain name"),
                Arguments.of(C0 + ".success.capacity", "0", C0 + ".success.capacity: 0 (expected: >= 1)"),
                Arguments.of(C0 + ".denial.min-ttl", "-1", C0 + ".denial.min-ttl: min TTL -1 (expected: >= 0)"),
                Arguments.of(C0 + ".prefetch.duration", "1m", C0 + ".prefetch.amount: required when prefetch is set"),
                Arguments.of(C0 + ".prefetch.amount", "0", C0 + ".prefetch.amount: 0 (expected: >= 1)"),
                Arguments.of(C0 + ".serve-stale.mode", "lazy", C0 + ".serve-stale.mode: mode 'lazy' (expected: immediate or verify)"),
                Arguments.of(C0 + ".servfail", "10m", C0 + ".servfail: 10m0s (expected: 0 to 5m; RFC 2308 caps it at 5 minutes)"),
                Arguments.of(C0 + ".disable", "both", C0 + ".disable[0]: 'both' (expected: success or denial)"));
    }

    @ParameterizedTest(name = "[{index}] {2}")
    @MethodSource
    void malformedYaml(String property, String value, String message) {
        assertThatThrownBy(() -> yamlCache(property, value))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }
}
