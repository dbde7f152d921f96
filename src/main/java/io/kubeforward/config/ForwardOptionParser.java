package io.kubeforward.config;

import io.kubeforward.config.Corefile.Directive;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The option lines shared by {@code forward { ... }} and {@code kubeforward { ... }}, with CoreDNS's
 * argument counts and value checks. One instance reads the options of one directive. An option may be given
 * once, except {@code except} whose names add up.
 */
final class ForwardOptionParser {

    private static final int MANY = Integer.MAX_VALUE;
    /** The successor plugin's (deckhouse/coredns-kubeforward) name for {@code read_timeout}: only in {@code kubeforward}. */
    private static final String UPSTREAM_READ_TIMEOUT = "upstream_read_timeout";
    private static final Map<String, Option> OPTIONS = Map.ofEntries(
            Map.entry("except", new Option(1, MANY, (a, b) -> a.forEach(b::addExcept))),
            Map.entry("force_tcp", new Option(0, 0, (a, b) -> b.forceTcp(true))),
            Map.entry("prefer_udp", new Option(0, 0, (a, b) -> b.preferUdp(true))),
            Map.entry("max_fails", new Option(1, 1, (a, b) -> b.maxFails(number(a.get(0))))),
            Map.entry("max_connect_attempts", new Option(1, 1, (a, b) -> b.maxConnectAttempts(number(a.get(0))))),
            Map.entry("expire", new Option(1, 1, (a, b) -> b.expire(GoDuration.parse(a.get(0))))),
            Map.entry("max_age", new Option(1, 1, (a, b) -> b.maxAge(GoDuration.parse(a.get(0))))),
            Map.entry("max_idle_conns", new Option(1, 1, (a, b) -> b.maxIdleConns(number(a.get(0))))),
            Map.entry("read_timeout", new Option(1, 1, (a, b) -> b.readTimeout(GoDuration.parse(a.get(0))))),
            Map.entry("tls", new Option(0, 3, ForwardOptionParser::tls)),
            Map.entry("tls_servername", new Option(1, 1, (a, b) -> b.tlsServerName(a.get(0)))),
            Map.entry("policy", new Option(1, 1, (a, b) -> b.policy(a.get(0)))),
            Map.entry("health_check", new Option(1, 4, ForwardOptionParser::healthCheck)),
            Map.entry("max_concurrent", new Option(1, 1, (a, b) -> b.maxConcurrent(number(a.get(0))))),
            Map.entry("failfast_all_unhealthy_upstreams", new Option(0, 0, (a, b) -> b.failfastAllUnhealthyUpstreams(true))),
            Map.entry("failover", new Option(1, MANY, (a, b) -> b.failover(a))),
            Map.entry("source_address", new Option(1, 1, (a, b) -> b.sourceAddress(a.get(0)))),
            Map.entry("slow_threshold", new Option(1, 1, (a, b) -> b.slowThreshold(GoDuration.parse(a.get(0))))),
            Map.entry("slow_log", new Option(0, 0, (a, b) -> b.slowLog(true))),
            Map.entry(UPSTREAM_READ_TIMEOUT, new Option(1, 1, (a, b) -> b.readTimeout(GoDuration.parse(a.get(0))))));

    private final String owner;
    private final ForwardOptionsBuilder builder = new ForwardOptionsBuilder();
    private final Map<String, String> seen = new HashMap<>();

    /** @param owner the directive whose block is read, {@code forward} or {@code kubeforward}, for messages */
    ForwardOptionParser(String owner) {
        this.owner = Objects.requireNonNull(owner, "owner");
    }

    /**
     * Applies {@code line} if it is a forward option.
     *
     * @return false when {@code line} is not a forward option (the caller decides what else it may be)
     * @throws ConfigException when it is one but malformed, given twice, or not supported
     */
    boolean accept(Directive line) {
        String name = line.name();
        if (name.equals("next") || name.equals("next_on_nodata")) {
            throw line.error(owner + ": option '" + name + "' is not supported (kubeforward does not chain plugins)");
        }
        Option option = OPTIONS.get(name);
        if (option == null) {
            return false;
        }
        if (name.equals(UPSTREAM_READ_TIMEOUT) && !owner.equals("kubeforward")) {
            throw line.error(owner + ": unknown option '" + name + "' (the kubeforward plugin's name for read_timeout: "
                    + "write read_timeout)");
        }
        OptionLines.requireArgs(line, owner, option.minArgs(), option.maxArgs());
        OptionLines.requireNoBlock(line, owner);
        if (!name.equals("except")) {
            OptionLines.requireFirst(line, owner, seen);
            requireOneReadTimeout(line);
        }
        seen.putIfAbsent(name, line.location());
        try {
            option.apply().accept(line.args(), builder);
        } catch (IllegalArgumentException e) {
            throw line.error(owner + ": " + name + ": " + e.getMessage());
        }
        return true;
    }

    /** {@code read_timeout} and its successor-plugin name {@code upstream_read_timeout} set the same thing: one of them. */
    private void requireOneReadTimeout(Directive line) {
        String other = line.name().equals("read_timeout") ? UPSTREAM_READ_TIMEOUT
                : line.name().equals(UPSTREAM_READ_TIMEOUT) ? "read_timeout" : null;
        if (other != null && seen.containsKey(other)) {
            throw line.error(owner + ": " + line.name() + ": the same setting as " + other + " (at " + seen.get(other)
                    + "; expected: one of the two)");
        }
    }

    /**
     * The options read so far, after the checks that span several lines.
     *
     * @param warnings where {@code force_tcp} + {@code prefer_udp} and {@code slow_log} without a threshold are reported
     */
    ForwardOptions finish(List<ConfigWarning> warnings) {
        if (builder.preferUdpOverridden()) {
            warnings.add(new ConfigWarning(seen.get("prefer_udp"),
                    owner + ": both force_tcp and prefer_udp are set; force_tcp wins and prefer_udp is ignored"));
        }
        if (builder.slowLogWithoutThreshold()) {
            warnings.add(new ConfigWarning(seen.get("slow_log"),
                    owner + ": slow_log without slow_threshold (or with 0) logs nothing; set slow_threshold D"));
        }
        try {
            builder.checkMaxAge();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(seen.get("max_age"), owner + ": max_age: " + e.getMessage());
        }
        return builder.build();
    }

    List<String> except() {
        return builder.except();
    }

    String tlsServerName() {
        return builder.tlsServerName();
    }

    /** A decimal integer option argument; {@code 'x' is not a number} otherwise. */
    static int number(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a number");
        }
    }

    private static void tls(List<String> args, ForwardOptionsBuilder builder) {
        // CoreDNS: no argument = system roots, CA alone, CERT KEY, or CERT KEY CA.
        Optional<String> cert = args.size() >= 2 ? Optional.of(args.get(0)) : Optional.empty();
        Optional<String> key = args.size() >= 2 ? Optional.of(args.get(1)) : Optional.empty();
        Optional<String> ca = args.size() == 1 ? Optional.of(args.get(0))
                : args.size() == 3 ? Optional.of(args.get(2)) : Optional.empty();
        builder.tls(cert, key, ca);
    }

    /**
     * {@code health_check [DURATION] [no_rec] [domain FQDN]}: CoreDNS's form starts with the interval; the successor
     * plugin's has none (its probes stay at 500 ms), so without one the interval is CoreDNS's default.
     */
    private static void healthCheck(List<String> args, ForwardOptionsBuilder builder) {
        boolean recursionDesired = true;
        String domain = ".";
        boolean interval = startsWithDuration(args);
        for (int i = interval ? 1 : 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "no_rec" -> recursionDesired = false;
                case "domain" -> {
                    if (++i == args.size()) {
                        throw new IllegalArgumentException("'domain' needs a name");
                    }
                    domain = args.get(i);
                }
                default -> throw new IllegalArgumentException("unknown argument '" + args.get(i)
                        + "' (expected: [DURATION] [no_rec] [domain FQDN])");
            }
        }
        builder.healthCheck(interval ? GoDuration.parse(args.get(0)) : HealthCheck.DEFAULT_INTERVAL, recursionDesired, domain);
    }

    /** Whether the first argument is meant as an interval: a number, so {@code 5s}, {@code -1s} and {@code 5} (an error). */
    private static boolean startsWithDuration(List<String> args) {
        String first = args.get(0);
        return !first.isEmpty() && (Character.isDigit(first.charAt(0)) || first.charAt(0) == '-' || first.charAt(0) == '+'
                || first.charAt(0) == '.');
    }

    /** Argument count bounds and what to do with the arguments. */
    private record Option(int minArgs, int maxArgs, BiConsumer<List<String>, ForwardOptionsBuilder> apply) {
    }
}
