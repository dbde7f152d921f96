package io.kubeforward.config;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One server block: the zones it answers for, where it listens, where it forwards, and what it caches.
 *
 * @param zones         normalized zone names (lower case, absolute, e.g. {@code "cluster.local."} or {@code "."});
 *                      a query belongs to the block whose zone is its longest suffix
 * @param port          DNS port the block listens on (UDP and TCP)
 * @param bindAddresses addresses to listen on; never empty (CoreDNS without {@code bind} listens on every
 *                      address, which the loader expresses as the wildcard addresses {@code 0.0.0.0} and {@code ::})
 * @param logErrors     {@code errors}: log failures of this block (rate-limited)
 * @param logQueries    {@code log}: log every query (off the hot path, bounded queue)
 * @param forward       where queries are forwarded; empty when the block forwards nowhere (answers REFUSED)
 * @param cache         the {@code cache} directive; empty when answers are not cached
 * @param acl           which clients are answered ({@code acl}); {@link ClientAcl#ALLOW_ALL} when every one is
 */
public record ServerBlock(
        List<String> zones,
        int port,
        List<InetAddress> bindAddresses,
        boolean logErrors,
        boolean logQueries,
        Optional<ForwardRule> forward,
        Optional<CacheOptions> cache,
        ClientAcl acl) {

    /** A block without an {@code acl}: every client is answered. */
    public ServerBlock(List<String> zones, int port, List<InetAddress> bindAddresses, boolean logErrors, boolean logQueries,
            Optional<ForwardRule> forward, Optional<CacheOptions> cache) {
        this(zones, port, bindAddresses, logErrors, logQueries, forward, cache, ClientAcl.ALLOW_ALL);
    }

    public ServerBlock {
        zones = List.copyOf(zones);
        bindAddresses = List.copyOf(bindAddresses);
        Objects.requireNonNull(forward, "forward");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(acl, "acl");
        if (zones.isEmpty()) {
            throw new IllegalArgumentException("a server block needs at least one zone");
        }
        if (bindAddresses.isEmpty()) {
            throw new IllegalArgumentException("a server block needs at least one bind address");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
        }
    }
}
