package io.kubeforward.config;

import io.kubeforward.config.Corefile.Directive;
import io.kubeforward.config.Corefile.Key;
import io.kubeforward.config.Corefile.ServerBlockSyntax;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Interprets the directives of one server block: {@code bind}, {@code errors}, {@code log}, {@code forward},
 * {@code kubeforward}, {@code cache}, {@code acl}, {@code health}, {@code ready}, {@code prometheus}, {@code reload},
 * {@code loop}; another CoreDNS plugin is named as unsupported; anything else fails.
 */
final class ServerBlockReader {

    /** CoreDNS's in-tree plugins that kubeforward does not offer: named as such rather than as unknown. */
    static final Set<String> COREDNS_PLUGINS = Set.of("any", "auto", "autopath", "azure", "bufsize", "chaos", "clouddns",
            "debug", "dns64", "dnssec", "dnstap", "erratic", "etcd", "file", "geoip", "grpc", "grpc_server", "header", "hosts",
            "https", "https3", "k8s_external", "kubernetes", "loadbalance", "local", "metadata", "minimal", "multisocket", "nomad",
            "nsid", "on", "pprof", "quic", "rewrite", "root", "route53", "secondary", "sign", "template", "timeouts", "tls", "trace",
            "transfer", "tsig", "view", "whoami", "cancel", "alternate", "fallback");


    private final ServerBlockSyntax syntax;
    private final List<ConfigWarning> warnings;
    private final StatusEndpoints.Builder status;
    private final List<InetAddress> binds = new ArrayList<>();
    private final Map<String, String> seen = new HashMap<>();
    private Optional<ForwardRule> forward = Optional.empty();
    private Optional<CacheOptions> cache = Optional.empty();
    private final List<ClientAcl.Rule> acl = new ArrayList<>();

    /**
     * @param warnings collects this block's warnings
     * @param status   collects the {@code health}, {@code ready}, {@code prometheus} and {@code reload} settings of every block
     */
    ServerBlockReader(ServerBlockSyntax syntax, List<ConfigWarning> warnings, StatusEndpoints.Builder status) {
        this.status = status;
        this.syntax = syntax;
        this.warnings = warnings;
    }

    ServerBlock read() {
        List<ServerKey> keys = keys();
        List<String> zones = keys.stream().map(ServerKey::zone).toList();
        for (Directive directive : syntax.directives()) {
            directive(directive, zones);
        }
        try {
            return new ServerBlock(zones, keys.get(0).port(), binds.isEmpty() ? IpLiterals.wildcards() : binds,
                    seen.containsKey("errors"), seen.containsKey("log"), forward, cache, new ClientAcl(acl));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(syntax.location(), e.getMessage());
        }
    }

    private List<ServerKey> keys() {
        List<ServerKey> keys = new ArrayList<>();
        for (Key key : syntax.keys()) {
            try {
                keys.add(ServerKey.parse(key.text()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key.location(), e.getMessage());
            }
            if (keys.get(keys.size() - 1).port() != keys.get(0).port()) {
                throw new ConfigException(key.location(), "server block keys '" + syntax.keys().get(0).text() + "' and '"
                        + key.text() + "' use different ports (expected: one port per server block)");
            }
        }
        return keys;
    }

    private void directive(Directive directive, List<String> zones) {
        switch (directive.name()) {
            case "bind" -> bind(directive);
            case "errors", "log" -> flag(directive);
            case "forward", "kubeforward" -> forward(directive);
            case "cache" -> cache(directive, zones);
            case "acl" -> acl.addAll(AclDirectiveParser.parse(directive)); // several add up, in order, as in CoreDNS
            case "loop" -> loop(directive);
            case "health", "ready", "prometheus" -> status(directive);
            case "reload" -> reload(directive);
            case "import" -> throw directive.error("import: not supported (expected: a self-contained Corefile)");
            default -> unsupported(directive);
        }
    }

    private void bind(Directive directive) {
        OptionLines.requireArgs(directive, "", 1, Integer.MAX_VALUE);
        OptionLines.requireNoBlock(directive, "");
        for (String arg : directive.args()) {
            for (InetAddress address : bindAddresses(directive, arg)) {
                if (binds.contains(address)) {
                    throw directive.error("bind: " + arg + " is listed twice");
                }
                binds.add(address);
            }
        }
    }

    /** An IP literal, or (as CoreDNS) the name of an interface of this host, meaning all of its addresses. */
    private static List<InetAddress> bindAddresses(Directive directive, String arg) {
        java.util.Optional<InetAddress> literal = IpLiterals.parse(arg);
        if (literal.isPresent()) {
            return List.of(literal.get());
        }
        try {
            java.net.NetworkInterface link = java.net.NetworkInterface.getByName(arg);
            if (link != null) {
                List<InetAddress> addresses = link.inetAddresses()
                        .filter(a -> !(a instanceof java.net.Inet6Address v6 && v6.isLinkLocalAddress()))
                        .map(a -> a instanceof java.net.Inet6Address v6 ? IpLiterals.parse(IpText.format(v6)).orElseThrow() : a)
                        .toList();
                if (addresses.isEmpty()) {
                    throw directive.error("bind: interface '" + arg + "' has no address to listen on");
                }
                return addresses;
            }
        } catch (java.net.SocketException e) {
            throw directive.error("bind: cannot read interface '" + arg + "': " + e.getMessage());
        }
        throw directive.error("bind: '" + arg + "' is neither an IP address nor an interface of this host");
    }

    private void flag(Directive directive) {
        OptionLines.requireArgs(directive, "", 0, 0);
        OptionLines.requireNoBlock(directive, "");
        OptionLines.requireFirst(directive, "", seen);
        seen.put(directive.name(), directive.location());
    }

    private void forward(Directive directive) {
        String previous = seen.containsKey("forward") ? seen.get("forward") : seen.get("kubeforward");
        if (previous != null) {
            throw directive.error(directive.name() + ": this server block already forwards (at " + previous
                    + "; expected: one forward or kubeforward per server block)");
        }
        seen.put(directive.name(), directive.location());
        forward = Optional.of(directive.name().equals("forward")
                ? ForwardDirectiveParser.parse(directive, warnings)
                : KubeforwardDirectiveParser.parse(directive, warnings));
    }

    private void cache(Directive directive, List<String> zones) {
        OptionLines.requireFirst(directive, "", seen);
        seen.put(directive.name(), directive.location());
        cache = Optional.of(CacheDirectiveParser.parse(directive, zones));
    }

    /**
     * {@code health [ADDR] [{ lameduck D }]}, {@code ready [ADDR]}, {@code prometheus [ADDR]}: CoreDNS-style HTTP
     * endpoints ({@code /health}, {@code /ready}, {@code /metrics}) on ADDR, default {@code :8080}, {@code :8181},
     * {@code localhost:9153}.
     */
    private void status(Directive directive) {
        OptionLines.requireFirst(directive, "", seen);
        seen.put(directive.name(), directive.location());
        OptionLines.requireArgs(directive, "", 0, 1);
        String text = directive.args().isEmpty() ? StatusEndpoints.defaultAddress(directive.name()) : directive.args().get(0);
        java.net.InetSocketAddress address;
        try {
            address = StatusEndpoints.parseAddress(text);
        } catch (IllegalArgumentException e) {
            throw directive.error(directive.name() + ": " + e.getMessage());
        }
        java.util.Optional<java.time.Duration> lameduck = java.util.Optional.empty();
        for (Directive option : directive.block()) {
            if (!directive.name().equals("health") || !option.name().equals("lameduck")) {
                throw option.error(directive.name() + ": unknown option '" + option.name() + "'");
            }
            OptionLines.requireArgs(option, directive.name() + ": ", 1, 1);
            try {
                lameduck = java.util.Optional.of(GoDuration.parse(option.args().get(0)));
            } catch (IllegalArgumentException e) {
                throw option.error(directive.name() + ": lameduck: " + e.getMessage());
            }
        }
        status.add(directive.name(), address, lameduck);
    }

    /** {@code reload [INTERVAL [JITTER]]}, CoreDNS's defaults 30s and 15s. */
    private void reload(Directive directive) {
        OptionLines.requireFirst(directive, "", seen);
        seen.put(directive.name(), directive.location());
        OptionLines.requireArgs(directive, "", 0, 2);
        OptionLines.requireNoBlock(directive, "");
        try {
            java.time.Duration interval = directive.args().isEmpty() ? ReloadOptions.defaults().interval()
                    : GoDuration.parse(directive.args().get(0));
            java.time.Duration jitter = directive.args().size() < 2 ? min(ReloadOptions.defaults().jitter(), interval.dividedBy(2))
                    : GoDuration.parse(directive.args().get(1));
            status.reload(new ReloadOptions(interval, jitter));
        } catch (IllegalArgumentException e) {
            throw directive.error("reload: " + e.getMessage());
        }
    }

    private static java.time.Duration min(java.time.Duration a, java.time.Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** {@code loop}: kubeforward always refuses to start when it would forward to itself, so this only checks syntax. */
    private void loop(Directive directive) {
        OptionLines.requireFirst(directive, "", seen);
        seen.put(directive.name(), directive.location());
        if (!directive.args().isEmpty()) {
            throw directive.error("loop: unexpected argument '" + directive.args().get(0) + "' (expected: none)");
        }
    }

    private void unsupported(Directive directive) {
        if (COREDNS_PLUGINS.contains(directive.name())) {
            throw directive.error("directive '" + directive.name() + "' is a CoreDNS plugin that kubeforward does not support");
        }
        throw directive.error("unknown directive '" + directive.name() + "'");
    }
}
