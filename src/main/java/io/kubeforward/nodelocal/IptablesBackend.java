package io.kubeforward.nodelocal;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which iptables the node uses: nf_tables or legacy. The two keep separate rule sets, so adding rules with
 * the wrong one leaves them unused. As Kubernetes's iptables-wrapper does, the backend that already holds
 * rules (kube-proxy's, the CNI's) wins; with none anywhere, {@code iptables} as installed.
 *
 * @param iptables  the IPv4 binary
 * @param ip6tables the IPv6 binary
 */
record IptablesBackend(String iptables, String ip6tables) {

    private static final Logger log = LoggerFactory.getLogger(IptablesBackend.class);

    static IptablesBackend detect(Commands commands) {
        int nft = ruleCount(commands, "iptables-nft-save");
        int legacy = ruleCount(commands, "iptables-legacy-save");
        if (legacy < 0 && nft >= 0) {
            // Without CAP_NET_RAW iptables-legacy cannot even read its tables: a node whose kube-proxy uses the
            // legacy backend would silently get our rules in nf_tables, where they do nothing.
            log.warn("iptables-legacy-save failed ({}): the legacy tables cannot be checked; if this node's rules are in "
                    + "iptables-legacy, give the container CAP_NET_RAW (the chart does)", lastFailure(commands, "iptables-legacy-save"));
        }
        IptablesBackend backend;
        if (nft < 0 && legacy < 0) {
            backend = new IptablesBackend("iptables", "ip6tables");
        } else if (legacy > nft) {
            backend = new IptablesBackend("iptables-legacy", "ip6tables-legacy");
        } else {
            backend = new IptablesBackend("iptables-nft", "ip6tables-nft");
        }
        log.info("iptables backend: {} (rules found: nf_tables {}, legacy {})", backend.iptables(), nft, legacy);
        return backend;
    }

    private static String lastFailure(Commands commands, String save) {
        String output = commands.run(List.of(save)).output();
        return output.lines().reduce((first, second) -> second).orElse("no output");
    }

    /** Rules in the backend's ruleset, or -1 when its tool is missing or fails. */
    private static int ruleCount(Commands commands, String save) {
        Commands.Result result = commands.run(List.of(save));
        if (!result.ok()) {
            return -1;
        }
        return (int) result.output().lines().filter(line -> line.startsWith("-A ")).count();
    }
}
