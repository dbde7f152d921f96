package io.kubeforward.config;

import io.kubeforward.config.KubeforwardProperties.Forward;
import io.kubeforward.config.KubeforwardProperties.Server;
import io.kubeforward.config.KubeforwardProperties.Service;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code kubeforward.servers} → the model, with the same checks as the Corefile and errors located at the
 * property, e.g. {@code kubeforward.servers[0].forward.max-fails: -1 (expected: >= 0)}.
 */
final class PropertiesMapper {

    static final String PREFIX = "kubeforward.servers";

    LoadedConfig map(List<Server> servers) {
        if (servers.isEmpty()) {
            throw new ConfigException(PREFIX, "no server block");
        }
        List<ConfigWarning> warnings = new ArrayList<>();
        List<ServerBlock> blocks = new ArrayList<>();
        Map<String, String> defined = new HashMap<>();
        for (int i = 0; i < servers.size(); i++) {
            String path = PREFIX + "[" + i + "]";
            ServerBlock block = server(servers.get(i), path, warnings);
            for (int j = 0; j < block.zones().size(); j++) {
                String key = block.zones().get(j) + ":" + block.port();
                String previous = defined.putIfAbsent(key, path + ".zones[" + j + "]");
                if (previous != null) {
                    throw new ConfigException(path + ".zones[" + j + "]", "zone " + key + " is already defined (at " + previous + ")");
                }
            }
            blocks.add(block);
        }
        return new LoadedConfig(new KubeforwardConfig(blocks, "Spring properties " + PREFIX), warnings);
    }

    private ServerBlock server(Server server, String path, List<ConfigWarning> warnings) {
        if (server.zones().isEmpty()) {
            throw new ConfigException(path + ".zones", "at least one zone is required");
        }
        List<String> zones = each(path + ".zones", server.zones(), DomainNames::normalize);
        int port = value(path + ".port", () -> Ports.check(server.port(), 0));
        List<InetAddress> bind = each(path + ".bind", server.bind(), IpLiterals::require);
        for (int i = 0; i < bind.size(); i++) {
            if (bind.indexOf(bind.get(i)) != i) {
                throw new ConfigException(path + ".bind[" + i + "]", server.bind().get(i) + " is listed twice");
            }
        }
        Optional<ForwardRule> forward = Optional.ofNullable(server.forward())
                .map(f -> forward(f, path + ".forward", warnings));
        Optional<CacheOptions> cache = Optional.ofNullable(server.cache()).filter(KubeforwardProperties.Cache::enabled)
                .map(c -> CacheOptionsMapping.map(c, zones, path + ".cache"));
        ClientAcl acl = acl(server.acl(), path + ".acl");
        return value(path, () -> new ServerBlock(zones, port, bind.isEmpty() ? IpLiterals.wildcards() : bind,
                server.errors(), server.log(), forward, cache, acl));
    }

    private static ClientAcl acl(List<KubeforwardProperties.AclRule> rules, String path) {
        List<ClientAcl.Rule> mapped = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            KubeforwardProperties.AclRule rule = rules.get(i);
            String at = path + "[" + i + "]";
            boolean allow = switch (rule.action()) {
                case "allow" -> true;
                case "block" -> false;
                default -> throw new ConfigException(at + ".action", "'" + rule.action() + "' (expected: allow or block)");
            };
            List<Cidr> nets = new ArrayList<>();
            for (int j = 0; j < rule.net().size(); j++) {
                String source = rule.net().get(j);
                nets.addAll(value(at + ".net[" + j + "]", () -> Cidr.parseSource(source)));
            }
            mapped.add(new ClientAcl.Rule(allow, nets.isEmpty() ? Cidr.ANY : nets));
        }
        return new ClientAcl(mapped);
    }

    private ForwardRule forward(Forward forward, String path, List<ConfigWarning> warnings) {
        boolean hasTo = !forward.to().isEmpty();
        boolean hasService = forward.service() != null;
        if (hasTo == hasService) {
            throw new ConfigException(path, hasTo ? "both 'to' and 'service' are set (expected: exactly one)"
                    : "neither 'to' nor 'service' is set (expected: exactly one)");
        }
        String from = value(path + ".from", () -> DomainNames.normalize(forward.from()));
        ForwardOptionsBuilder builder = new ForwardOptionsBuilder();
        ForwardOptionsMapping.apply(forward, path, builder);
        if (builder.preferUdpOverridden()) {
            warnings.add(new ConfigWarning(path + ".prefer-udp",
                    "both force-tcp and prefer-udp are set; force-tcp wins and prefer-udp is ignored"));
        }
        if (builder.slowLogWithoutThreshold()) {
            warnings.add(new ConfigWarning(path + ".slow-log", "slow-log without slow-threshold (or with 0) logs nothing; "
                    + "set slow-threshold"));
        }
        ForwardOptions options = value(path + ".max-age", builder::build);
        UpstreamSource source = hasTo ? staticUpstreams(forward.to(), builder.tlsServerName(), path + ".to")
                : service(forward.service(), builder.tlsServerName(), path + ".service");
        return value(path, () -> new ForwardRule(from, builder.except(), source, options));
    }

    private static StaticUpstreams staticUpstreams(List<String> to, String tlsServerName, String path) {
        List<UpstreamAddress> upstreams = new ArrayList<>();
        for (int i = 0; i < to.size(); i++) {
            String entry = to.get(i);
            upstreams.addAll(value(path + "[" + i + "]", () -> UpstreamAddressParser.parse(entry, tlsServerName)));
        }
        return value(path, () -> new StaticUpstreams(UpstreamAddressParser.checkList(upstreams)));
    }

    private static KubernetesServiceUpstreams service(Service service, String tlsServerName, String path) {
        if (service.name().isEmpty()) {
            throw new ConfigException(path + ".name", "the Service name is required");
        }
        value(path + ".name", () -> KubernetesNames.requireLabel(service.name()));
        if (!service.namespace().isEmpty()) {
            value(path + ".namespace", () -> KubernetesNames.requireLabel(service.namespace()));
        }
        if (!service.portName().isEmpty()) {
            value(path + ".port-name", () -> KubernetesNames.requireLabel(service.portName()));
        }
        OptionalInt port = service.port() == 0 ? OptionalInt.empty()
                : OptionalInt.of(value(path + ".port", () -> Ports.check(service.port(), 1)));
        if (port.isPresent() && !service.portName().isEmpty()) {
            throw new ConfigException(path + ".port", "cannot be combined with port-name");
        }
        ServiceUpstreamsBuilder endpoints = endpoints(service, tlsServerName, path);
        return endpoints.build(service.namespace(), service.name(), service.portName(), port);
    }

    /** The endpoint options of {@code service}: fallback, snapshot, address family, zone preference. */
    private static ServiceUpstreamsBuilder endpoints(Service service, String tlsServerName, String path) {
        ServiceUpstreamsBuilder endpoints = new ServiceUpstreamsBuilder();
        for (int i = 0; i < service.fallback().size(); i++) {
            String address = service.fallback().get(i);
            check(path + ".fallback[" + i + "]", () -> endpoints.addFallback(address, tlsServerName));
        }
        check(path + ".fallback", endpoints::checkFallback);
        if (!service.snapshot().isEmpty()) {
            check(path + ".snapshot", () -> endpoints.snapshot(service.snapshot()));
        }
        check(path + ".address-family", () -> endpoints.addressFamily(service.addressFamily()));
        check(path + ".prefer-zone", () -> endpoints.preferZone(service.preferZone()));
        if (service.minLocal() != null) {
            int minLocal = service.minLocal();
            check(path + ".min-local", () -> {
                endpoints.minLocal(minLocal);
                endpoints.checkMinLocal("prefer-zone");
            });
        }
        return endpoints;
    }

    /** {@link #value} for an action without a result. */
    private static void check(String location, Runnable action) {
        try {
            action.run();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(location, e.getMessage());
        }
    }

    private static <T> List<T> each(String path, List<String> values, Function<String, T> parse) {
        List<T> parsed = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            String text = values.get(i);
            parsed.add(value(path + "[" + i + "]", () -> parse.apply(text)));
        }
        return parsed;
    }

    /** Runs {@code action}, turning its {@link IllegalArgumentException} into a {@link ConfigException} at {@code location}. */
    static <T> T value(String location, Supplier<T> action) {
        try {
            return action.get();
        } catch (IllegalArgumentException e) {
            // The message is the whole story; not chaining keeps the ConfigException the root cause Spring reports.
            throw new ConfigException(location, e.getMessage());
        }
    }
}
