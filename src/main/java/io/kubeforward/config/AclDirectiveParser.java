package io.kubeforward.config;

import io.kubeforward.config.Corefile.Directive;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code acl { allow|block [net SOURCE...] ... }}: CoreDNS's acl plugin without zones, query types, {@code filter}
 * and {@code drop}, each of which is refused by name rather than ignored. {@code net} defaults to {@code *}.
 */
final class AclDirectiveParser {

    private AclDirectiveParser() {
    }

    static List<ClientAcl.Rule> parse(Directive directive) {
        if (!directive.args().isEmpty()) {
            throw directive.error("acl: zones ('" + directive.args().get(0) + "') are not supported (expected: acl { ... },"
                    + " which applies to the whole server block)");
        }
        if (directive.block().isEmpty()) {
            throw directive.error("acl: no rule (expected: acl { ACTION [net SOURCE...] } with ACTION allow or block)");
        }
        List<ClientAcl.Rule> rules = new ArrayList<>();
        for (Directive line : directive.block()) {
            rules.add(rule(line));
        }
        return rules;
    }

    private static ClientAcl.Rule rule(Directive line) {
        boolean allow = switch (line.name()) {
            case "allow" -> true;
            case "block" -> false;
            case "filter", "drop" -> throw line.error("acl: action '" + line.name() + "' is not supported (expected: allow or block)");
            default -> throw line.error("acl: unknown action '" + line.name() + "' (expected: allow or block)");
        };
        OptionLines.requireNoBlock(line, "acl");
        List<String> args = line.args();
        if (args.isEmpty()) {
            return new ClientAcl.Rule(allow, Cidr.ANY);
        }
        if (args.get(0).equals("type")) {
            throw line.error("acl: " + line.name() + ": 'type' is not supported (expected: net SOURCE...; every query type)");
        }
        if (!args.get(0).equals("net")) {
            throw line.error("acl: " + line.name() + ": unexpected '" + args.get(0) + "' (expected: net SOURCE...)");
        }
        if (args.size() == 1) {
            throw line.error("acl: " + line.name() + ": net without a SOURCE (expected: CIDR, IP or *)");
        }
        List<Cidr> nets = new ArrayList<>();
        for (String source : args.subList(1, args.size())) {
            if (source.equals("type")) {
                throw line.error("acl: " + line.name() + ": 'type' is not supported (expected: net SOURCE...; every query type)");
            }
            try {
                nets.addAll(Cidr.parseSource(source));
            } catch (IllegalArgumentException e) {
                throw line.error("acl: " + line.name() + ": " + e.getMessage());
            }
        }
        return new ClientAcl.Rule(allow, nets);
    }
}
