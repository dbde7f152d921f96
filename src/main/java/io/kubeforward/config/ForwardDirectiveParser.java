package io.kubeforward.config;

import io.kubeforward.config.Corefile.Directive;
import java.util.List;

/** {@code forward FROM TO... [{ OPTIONS }]} → a {@link ForwardRule} with {@link StaticUpstreams}. */
final class ForwardDirectiveParser {

    private ForwardDirectiveParser() {
    }

    static ForwardRule parse(Directive directive, List<ConfigWarning> warnings) {
        List<String> args = directive.args();
        if (args.size() < 2) {
            throw directive.error("forward: wrong number of arguments: " + args.size() + " (expected: FROM TO...)");
        }
        String from;
        try {
            from = DomainNames.normalize(args.get(0));
        } catch (IllegalArgumentException e) {
            throw directive.error("forward: FROM " + e.getMessage());
        }
        ForwardOptionParser options = new ForwardOptionParser("forward");
        for (Directive line : directive.block()) {
            if (!options.accept(line)) {
                throw line.error("forward: unknown option '" + line.name() + "'");
            }
        }
        ForwardOptions forwardOptions = options.finish(warnings);
        try {
            List<UpstreamAddress> upstreams = UpstreamAddressParser.parseAll(args.subList(1, args.size()),
                    options.tlsServerName());
            return new ForwardRule(from, options.except(), new StaticUpstreams(upstreams), forwardOptions);
        } catch (IllegalArgumentException e) {
            throw directive.error("forward: " + e.getMessage());
        }
    }
}
