package io.kubeforward.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Order in which the upstreams of a pool are tried. */
public enum Policy {
    /** A random order per query (CoreDNS default). */
    RANDOM("random"),
    /** Rotate the first upstream on each query. */
    ROUND_ROBIN("round_robin"),
    /** Always the declared order: the first healthy upstream takes all queries. */
    SEQUENTIAL("sequential"),
    /** Fewest in-flight queries first, ties broken by the lowest recent round-trip time. */
    LEAST_OUTSTANDING("least_outstanding");

    private final String configName;

    Policy(String configName) {
        this.configName = configName;
    }

    /** The name used in a Corefile and in YAML. */
    public String configName() {
        return configName;
    }

    public static Optional<Policy> fromConfigName(String name) {
        String normalized = name.toLowerCase(Locale.ROOT).replace('-', '_');
        return Arrays.stream(values()).filter(p -> p.configName.equals(normalized)).findFirst();
    }
}
