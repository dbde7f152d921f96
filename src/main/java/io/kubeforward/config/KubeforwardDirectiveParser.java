package io.kubeforward.config;

import io.kubeforward.config.Corefile.Directive;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * {@code kubeforward { namespace NS; service_name NAME; port_name NAME | port N; ENDPOINT OPTIONS...;
 * FORWARD OPTIONS... }} → a {@link ForwardRule} for {@code .} whose upstreams are the endpoints of a Service.
 * The endpoint options are {@code fallback ADDR...}, {@code snapshot PATH}, {@code address_family F},
 * {@code prefer_zone auto|off|ZONE} and {@code min_local N}. Arguments on the directive line are rejected (the
 * original plugin ignored them silently).
 */
final class KubeforwardDirectiveParser {

    private static final String OWNER = "kubeforward";

    private final Directive directive;
    private final ForwardOptionParser options = new ForwardOptionParser(OWNER);
    private final Map<String, String> seen = new HashMap<>();
    private final Map<String, String> service = new HashMap<>();
    private final ServiceUpstreamsBuilder endpoints = new ServiceUpstreamsBuilder();
    private Optional<Directive> fallbackLine = Optional.empty();

    private KubeforwardDirectiveParser(Directive directive) {
        this.directive = directive;
    }

    static ForwardRule parse(Directive directive, List<ConfigWarning> warnings) {
        if (!directive.args().isEmpty()) {
            throw directive.error(OWNER + ": unexpected argument '" + directive.args().get(0)
                    + "' (expected: none; settings go in the block)");
        }
        if (!directive.hasBlock()) {
            throw directive.error(OWNER + ": a block is required (expected: kubeforward { service_name NAME ... })");
        }
        return new KubeforwardDirectiveParser(directive).read(warnings);
    }

    private ForwardRule read(List<ConfigWarning> warnings) {
        for (Directive line : directive.block()) {
            switch (line.name()) {
                case "namespace", "service_name", "port_name", "port" -> serviceField(line);
                case "fallback", "snapshot", "address_family", "prefer_zone", "min_local" -> endpointOption(line);
                default -> {
                    if (!options.accept(line)) {
                        throw line.error(OWNER + ": unknown option '" + line.name() + "'");
                    }
                }
            }
        }
        ForwardOptions forwardOptions = options.finish(warnings);
        fallbackLine.ifPresent(this::fallback);
        return new ForwardRule(".", options.except(), upstreams(), forwardOptions);
    }

    private void serviceField(Directive line) {
        OptionLines.requireArgs(line, OWNER, 1, 1);
        OptionLines.requireNoBlock(line, OWNER);
        OptionLines.requireFirst(line, OWNER, seen);
        seen.put(line.name(), line.location());
        String value = line.args().get(0);
        try {
            if (line.name().equals("port")) {
                Ports.parse(value, 1);
            } else {
                KubernetesNames.requireLabel(value);
            }
        } catch (IllegalArgumentException e) {
            throw line.error(OWNER + ": " + line.name() + ": " + e.getMessage());
        }
        service.put(line.name(), value);
    }

    private void endpointOption(Directive line) {
        OptionLines.requireArgs(line, OWNER, 1, line.name().equals("fallback") ? Integer.MAX_VALUE : 1);
        OptionLines.requireNoBlock(line, OWNER);
        OptionLines.requireFirst(line, OWNER, seen);
        seen.put(line.name(), line.location());
        String value = line.args().get(0);
        try {
            switch (line.name()) {
                case "fallback" -> fallbackLine = Optional.of(line); // after the block: tls_servername may follow
                case "snapshot" -> endpoints.snapshot(value);
                case "address_family" -> endpoints.addressFamily(value);
                case "prefer_zone" -> endpoints.preferZone(value);
                default -> endpoints.minLocal(ForwardOptionParser.number(value));
            }
        } catch (IllegalArgumentException e) {
            throw line.error(OWNER + ": " + line.name() + ": " + e.getMessage());
        }
    }

    private void fallback(Directive line) {
        try {
            line.args().forEach(address -> endpoints.addFallback(address, options.tlsServerName()));
            endpoints.checkFallback();
        } catch (IllegalArgumentException e) {
            throw line.error(OWNER + ": fallback: " + e.getMessage());
        }
    }

    private KubernetesServiceUpstreams upstreams() {
        if (!service.containsKey("service_name")) {
            throw directive.error(OWNER + ": service_name is required");
        }
        if (service.containsKey("port_name") && service.containsKey("port")) {
            throw new ConfigException(seen.get("port"), OWNER + ": port: cannot be combined with port_name (at "
                    + seen.get("port_name") + ")");
        }
        try {
            endpoints.checkMinLocal("prefer_zone");
        } catch (IllegalArgumentException e) {
            throw new ConfigException(seen.get("min_local"), OWNER + ": min_local: " + e.getMessage());
        }
        OptionalInt port = service.containsKey("port")
                ? OptionalInt.of(Integer.parseInt(service.get("port"))) : OptionalInt.empty();
        return endpoints.build(service.getOrDefault("namespace", ""), service.get("service_name"),
                service.getOrDefault("port_name", ""), port);
    }
}
