package io.kubeforward.nodelocal;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The interface that holds the local IPs: a {@code dummy} link as node-cache makes it; on kernels without
 * the dummy driver, an empty bridge, which holds local addresses the same way (nothing is attached to it).
 * Managed with {@code ip} from iproute2.
 */
final class LocalInterface {

    private static final Logger log = LoggerFactory.getLogger(LocalInterface.class);

    private final Commands commands;
    private final String name;
    private final List<String> addresses;

    LocalInterface(Commands commands, String name, List<String> addresses) {
        this.commands = commands;
        this.name = name;
        this.addresses = List.copyOf(addresses);
    }

    /** Creates the link if missing, adds missing addresses, sets it up. Returns whether anything was repaired. */
    boolean ensure() {
        boolean repaired = false;
        if (!commands.run(List.of("ip", "link", "show", "dev", name)).ok()) {
            Commands.Result dummy = commands.run(List.of("ip", "link", "add", name, "type", "dummy"));
            if (!dummy.ok()) {
                log.warn("Cannot create a dummy interface {} ({}); using an empty bridge to hold the local IPs", name, dummy.output());
                commands.check(List.of("ip", "link", "add", name, "type", "bridge"));
            }
            repaired = true;
        }
        String shown = commands.check(List.of("ip", "-o", "addr", "show", "dev", name));
        for (String address : addresses) {
            if (!shown.contains(" " + address + "/")) {
                commands.check(List.of("ip", "addr", "add", address + (address.contains(":") ? "/128" : "/32"), "dev", name));
                repaired = true;
            }
        }
        if (!commands.check(List.of("ip", "-o", "link", "show", "dev", name)).contains(",UP")) {
            commands.check(List.of("ip", "link", "set", name, "up"));
            repaired = true;
        }
        return repaired;
    }

    void remove() {
        commands.run(List.of("ip", "link", "del", name));
    }

    /** Takes one local IP off the interface (the others stay). */
    void removeAddress(String address) {
        commands.run(List.of("ip", "addr", "del", address + (address.contains(":") ? "/128" : "/32"), "dev", name));
    }

    boolean exists() {
        return commands.run(List.of("ip", "link", "show", "dev", name)).ok();
    }
}
