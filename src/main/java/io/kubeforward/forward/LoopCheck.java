package io.kubeforward.forward;

import io.kubeforward.config.ConfigException;
import io.kubeforward.config.KubeforwardConfig;
import io.kubeforward.config.KubernetesServiceUpstreams;
import io.kubeforward.config.ServerBlock;
import io.kubeforward.config.StaticUpstreams;
import io.kubeforward.config.UpstreamAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Refuses a configuration that forwards to one of its own listeners: the classic node-local-dns mistake of a
 * resolv.conf that names the local IP, which CoreDNS's {@code loop} plugin catches by sending a probe to itself.
 * kubeforward checks the addresses instead, always, before binding: an upstream at a listening address and port,
 * or at any address of this host when a listener binds the wildcard on that port.
 */
final class LoopCheck {

    private LoopCheck() {
    }

    static void check(KubeforwardConfig config) {
        check(config, LoopCheck::isLocalAddress);
    }

    static void check(KubeforwardConfig config, Predicate<InetAddress> isLocal) {
        List<InetSocketAddress> listeners = new ArrayList<>();
        for (ServerBlock block : config.servers()) {
            if (block.port() != 0) {
                block.bindAddresses().forEach(address -> listeners.add(new InetSocketAddress(address, block.port())));
            }
        }
        for (ServerBlock block : config.servers()) {
            for (UpstreamAddress upstream : upstreams(block)) {
                for (InetSocketAddress listener : listeners) {
                    if (sameSocket(upstream.address(), listener, isLocal)) {
                        throw new ConfigException(config.origin(), "forwarding loop: zone " + block.zones().get(0) + " forwards to "
                                + upstream.url() + " (" + upstream.origin() + "), which is this server's own listener on "
                                + io.kubeforward.config.IpText.hostPort(listener.getAddress(), listener.getPort())
                                + " (check the nameservers in resolv.conf)");
                    }
                }
            }
        }
    }

    private static List<UpstreamAddress> upstreams(ServerBlock block) {
        return block.forward().map(rule -> switch (rule.source()) {
            case StaticUpstreams s -> s.upstreams();
            case KubernetesServiceUpstreams k -> k.fallback();
        }).orElse(List.of());
    }

    private static boolean sameSocket(InetSocketAddress upstream, InetSocketAddress listener, Predicate<InetAddress> isLocal) {
        if (upstream.getPort() != listener.getPort()) {
            return false;
        }
        InetAddress target = upstream.getAddress();
        return target.equals(listener.getAddress()) || (listener.getAddress().isAnyLocalAddress() && isLocal.test(target));
    }

    private static boolean isLocalAddress(InetAddress address) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }
}
