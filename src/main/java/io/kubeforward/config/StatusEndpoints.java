package io.kubeforward.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The CoreDNS-style HTTP status endpoints of a Corefile: {@code health} ({@code GET /health}: 200 OK while the
 * process is live), {@code ready} ({@code GET /ready}: 200 OK when every listener serves and every zone has
 * upstreams, else 503) and {@code prometheus} ({@code GET /metrics}), each on the addresses the directives name
 * (CoreDNS serves each address once, however many blocks name it). They sit beside the actuator, which serves
 * the same information on the management port.
 *
 * @param health     addresses for {@code /health}
 * @param ready      addresses for {@code /ready}
 * @param prometheus addresses for {@code /metrics}
 * @param lameduck   {@code health { lameduck D }}: keep answering this long after shutdown begins
 */
public record StatusEndpoints(Set<InetSocketAddress> health, Set<InetSocketAddress> ready, Set<InetSocketAddress> prometheus,
        Optional<Duration> lameduck) {

    public static final StatusEndpoints NONE = new StatusEndpoints(Set.of(), Set.of(), Set.of(), Optional.empty());

    public StatusEndpoints {
        health = Set.copyOf(health);
        ready = Set.copyOf(ready);
        prometheus = Set.copyOf(prometheus);
        Objects.requireNonNull(lameduck, "lameduck");
    }

    /** Every address any endpoint uses, in a stable order. */
    public Set<InetSocketAddress> addresses() {
        Set<InetSocketAddress> all = new java.util.TreeSet<>(Comparator.comparing(InetSocketAddress::toString));
        all.addAll(health);
        all.addAll(ready);
        all.addAll(prometheus);
        return all;
    }

    static String defaultAddress(String directive) {
        return switch (directive) {
            case "health" -> ":8080";
            case "ready" -> ":8181";
            default -> "localhost:9153";
        };
    }

    /** {@code :PORT} (all addresses), {@code HOST:PORT} with an IP or {@code localhost}, {@code [IPv6]:PORT}. */
    static InetSocketAddress parseAddress(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("'" + text + "' is not HOST:PORT or :PORT");
        }
        String host = text.substring(0, colon);
        int port = Ports.parse(text.substring(colon + 1), 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetAddress address;
        if (host.isEmpty()) {
            address = IpLiterals.parse("0.0.0.0").orElseThrow();
        } else if (host.equals("localhost")) {
            address = InetAddress.getLoopbackAddress();
        } else {
            String h = host;
            address = IpLiterals.parse(host).orElseThrow(() -> new IllegalArgumentException("'" + h + "' is not an IP address"));
        }
        return new InetSocketAddress(address, port);
    }

    /** Collects the directives of every block of one Corefile. */
    static final class Builder {
        private final Set<InetSocketAddress> health = new LinkedHashSet<>();
        private final Set<InetSocketAddress> ready = new LinkedHashSet<>();
        private final Set<InetSocketAddress> prometheus = new LinkedHashSet<>();
        private Optional<Duration> lameduck = Optional.empty();
        private Optional<ReloadOptions> reload = Optional.empty();

        /** The shortest interval of any block's {@code reload} wins. */
        void reload(ReloadOptions options) {
            reload = Optional.of(reload.filter(r -> r.interval().compareTo(options.interval()) <= 0).orElse(options));
        }

        Optional<ReloadOptions> reload() {
            return reload;
        }

        void add(String directive, InetSocketAddress address, Optional<Duration> lameduckOption) {
            switch (directive) {
                case "health" -> health.add(address);
                case "ready" -> ready.add(address);
                default -> prometheus.add(address);
            }
            lameduckOption.ifPresent(d -> lameduck = Optional.of(lameduck.filter(l -> l.compareTo(d) > 0).orElse(d)));
        }

        StatusEndpoints build() {
            return new StatusEndpoints(health, ready, prometheus, lameduck);
        }
    }
}
