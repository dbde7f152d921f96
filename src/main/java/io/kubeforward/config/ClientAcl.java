package io.kubeforward.config;

import java.util.List;

/**
 * Which clients a server block answers, by source address, with CoreDNS's {@code acl} semantics (a subset):
 * rules are tried in order, the first whose nets contain the client decides, and a client no rule matches is
 * allowed. A blocked query is answered REFUSED.
 *
 * @param rules the rules in order; empty = every client is allowed
 */
public record ClientAcl(List<Rule> rules) {

    /** No rule: every client is answered. */
    public static final ClientAcl ALLOW_ALL = new ClientAcl(List.of());

    public ClientAcl {
        rules = List.copyOf(rules);
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /**
     * {@code allow|block net SOURCE...}.
     *
     * @param allow whether matching clients are answered (allow) or refused (block)
     * @param nets  the sources it matches; at least one ({@link Cidr#ANY} for CoreDNS's default {@code *})
     */
    public record Rule(boolean allow, List<Cidr> nets) {

        public Rule {
            nets = List.copyOf(nets);
            if (nets.isEmpty()) {
                throw new IllegalArgumentException("a rule needs at least one net");
            }
        }
    }
}
