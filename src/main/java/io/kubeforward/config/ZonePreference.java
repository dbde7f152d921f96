package io.kubeforward.config;

import java.util.Objects;

/**
 * Topology preference for endpoints ({@code prefer_zone auto|ZONE|off} and {@code min_local N}).
 *
 * @param mode     off, auto (the node's {@code topology.kubernetes.io/zone} label), or a fixed zone
 * @param zone     the zone for {@link Mode#FIXED}; empty otherwise
 * @param minLocal fewer healthy local endpoints than this and all healthy endpoints are used (default 1)
 */
public record ZonePreference(Mode mode, String zone, int minLocal) {

    /** How the local zone is known. */
    public enum Mode { OFF, AUTO, FIXED }

    public static final ZonePreference OFF = new ZonePreference(Mode.OFF, "", 1);

    public ZonePreference {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(zone, "zone");
        if ((mode == Mode.FIXED) == zone.isEmpty()) {
            throw new IllegalArgumentException("prefer_zone: a fixed zone needs a name, auto and off none");
        }
        if (minLocal < 1) {
            throw new IllegalArgumentException("min_local: " + minLocal + " (expected: >= 1)");
        }
    }
}
