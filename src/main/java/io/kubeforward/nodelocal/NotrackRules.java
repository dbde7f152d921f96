package io.kubeforward.nodelocal;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules node-cache adds for each local IP, so DNS to and from it skips conntrack (no conntrack races or
 * table exhaustion, the reason NodeLocal DNSCache exists): NOTRACK in the raw table and ACCEPT in filter, for
 * UDP and TCP, inbound, outbound replies, and host-network clients; and NOTRACK for the health port. One more, not
 * node-cache's: no ICMP port-unreachable leaves from a local IP ({@link #quietWhileRestarting}). Each rule carries a
 * comment naming kubeforward; ensured with {@code -C} (check) then {@code -I} (insert first), removed with {@code -D}.
 * IPv6 addresses use ip6tables.
 */
final class NotrackRules {

    static final String COMMENT = "kubeforward: NodeLocal DNS skip conntrack";
    private static final Logger log = LoggerFactory.getLogger(NotrackRules.class);

    /** One rule: the local IP it is for, table, chain and match/target arguments. */
    record Rule(String ip, String binary, String table, String chain, List<String> spec) {
    }

    private final Commands commands;
    private final List<Rule> rules;
    private final List<Rule> quiet;

    NotrackRules(Commands commands, IptablesBackend backend, List<String> localIps, int dnsPort, int healthPort) {
        this.commands = commands;
        List<Rule> all = new ArrayList<>();
        List<Rule> quietOnes = new ArrayList<>();
        for (String ip : localIps) {
            String binary = ip.contains(":") ? backend.ip6tables() : backend.iptables();
            for (String proto : List.of("udp", "tcp")) {
                String port = Integer.toString(dnsPort);
                all.add(rule(ip, binary, "raw", "PREROUTING", "-p", proto, "-d", ip, "--dport", port, "-j", "NOTRACK"));
                all.add(rule(ip, binary, "filter", "INPUT", "-p", proto, "-d", ip, "--dport", port, "-j", "ACCEPT"));
                all.add(rule(ip, binary, "raw", "OUTPUT", "-p", proto, "-s", ip, "--sport", port, "-j", "NOTRACK"));
                all.add(rule(ip, binary, "filter", "OUTPUT", "-p", proto, "-s", ip, "--sport", port, "-j", "ACCEPT"));
                all.add(rule(ip, binary, "raw", "OUTPUT", "-p", proto, "-d", ip, "--dport", port, "-j", "NOTRACK"));
            }
            if (healthPort > 0) {
                String port = Integer.toString(healthPort);
                all.add(rule(ip, binary, "raw", "PREROUTING", "-p", "tcp", "-d", ip, "--dport", port, "-j", "NOTRACK"));
                all.add(rule(ip, binary, "raw", "OUTPUT", "-p", "tcp", "-s", ip, "--sport", port, "-j", "NOTRACK"));
            }
            Rule quietOne = quietWhileRestarting(ip, binary);
            all.add(quietOne);
            quietOnes.add(quietOne);
        }
        this.rules = List.copyOf(all);
        this.quiet = List.copyOf(quietOnes);
    }

    /**
     * Drops the ICMP port-unreachable errors the kernel sends from a local IP while no process listens on it: when the
     * process dies (an OOM kill, a crash) no teardown runs, the interface and these rules stay, and until the kubelet has
     * started it again (about 2 s) a refused query fails at once and its stub's retry, sent at once, fails too. Without
     * the error the query times out and the stub retries after its timeout (glibc: 5 s by default; musl retransmits every
     * 2.5 s by default; the node scenarios' client: 2 s), by when the restarted process answers if its restart was shorter. Only errors from the local IPs, which serve nothing but DNS and the health
     * port; while the process runs none is sent for port 53. Removed with the other rules on teardown.
     */
    private static Rule quietWhileRestarting(String ip, String binary) {
        return ip.contains(":")
                ? rule(ip, binary, "filter", "OUTPUT", "-p", "ipv6-icmp", "-s", ip, "--icmpv6-type", "port-unreachable", "-j", "DROP")
                : rule(ip, binary, "filter", "OUTPUT", "-p", "icmp", "-s", ip, "--icmp-type", "port-unreachable", "-j", "DROP");
    }

    private static Rule rule(String ip, String binary, String table, String chain, String... spec) {
        List<String> args = new ArrayList<>(List.of(spec));
        args.addAll(args.indexOf("-j"), List.of("-m", "comment", "--comment", COMMENT));
        return new Rule(ip, binary, table, chain, args);
    }

    List<Rule> rules() {
        return rules;
    }

    /** Adds the rules that are missing. Returns how many were added. */
    int ensure() {
        return ensure(rules);
    }

    /**
     * Adds only the rules that keep a local IP from refusing queries ({@link #quietWhileRestarting}), for the moment
     * between the interface's creation and the listeners' bind. Returns how many were added.
     */
    int ensureQuiet() {
        return ensure(quiet);
    }

    private int ensure(List<Rule> which) {
        int added = 0;
        for (Rule rule : which) {
            if (!commands.run(command(rule, "-C")).ok()) {
                commands.check(command(rule, "-I"));
                added++;
            }
        }
        return added;
    }

    /** Removes every rule (each as often as it is present). */
    void remove() {
        remove(rule -> true);
    }

    /** Removes the rules for these local IPs only (each as often as it is present). */
    void removeFor(java.util.Collection<String> ips) {
        remove(rule -> ips.contains(rule.ip()));
    }

    private void remove(java.util.function.Predicate<Rule> which) {
        for (Rule rule : rules) {
            if (!which.test(rule)) {
                continue;
            }
            for (int i = 0; i < 10 && commands.run(command(rule, "-D")).ok(); i++) {
                log.debug("removed {}", rule);
            }
        }
    }

    boolean allPresent() {
        return rules.stream().allMatch(rule -> commands.run(command(rule, "-C")).ok());
    }

    private static List<String> command(Rule rule, String action) {
        List<String> command = new ArrayList<>(List.of(rule.binary(), "-w", "5", "-t", rule.table(), action, rule.chain()));
        command.addAll(rule.spec());
        return command;
    }
}
