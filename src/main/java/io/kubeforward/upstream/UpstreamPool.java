package io.kubeforward.upstream;

import io.kubeforward.config.UpstreamAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstreams behind one forward rule. The member list is an immutable {@link UpstreamSet} replaced
 * atomically; members that stay across a change keep their state (health, counters, pooled connections),
 * new ones start fresh, removed ones are closed. Queries read {@link #current()} and never wait on a change.
 */
public final class UpstreamPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UpstreamPool.class);

    private final String name;
    private final Function<UpstreamAddress, Upstream> factory;
    private final List<MembershipListener> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private volatile UpstreamSet current = UpstreamSet.EMPTY;
    private volatile java.util.concurrent.ScheduledFuture<?> eviction;

    /**
     * @param name    identifies the pool in logs, metrics and {@code /actuator/upstreams}
     * @param factory creates the member for a new address
     */
    public UpstreamPool(String name, Function<UpstreamAddress, Upstream> factory) {
        this.name = Objects.requireNonNull(name, "name");
        this.factory = Objects.requireNonNull(factory, "factory");
    }

    public String name() {
        return name;
    }

    /** The current members: one volatile read. */
    public UpstreamSet current() {
        return current;
    }

    public void addListener(MembershipListener listener) {
        listeners.add(listener);
        for (Upstream member : current.members()) {
            listener.added(member);
        }
    }

    /**
     * Makes {@code addresses} the member list, in that order. Returns whether anything changed; an
     * identical list (same addresses, same order) changes nothing and notifies nobody.
     */
    public boolean apply(List<UpstreamAddress> addresses) {
        return apply(addresses, address -> false);
    }

    /**
     * As {@link #apply(List)}, marking the members for which {@code preferred} holds as zone-local: the
     * forwarder tries those first while enough of them are healthy.
     */
    public boolean apply(List<UpstreamAddress> addresses, java.util.function.Predicate<UpstreamAddress> preferred) {
        List<Upstream> added = new ArrayList<>();
        List<Upstream> removed;
        boolean changed;
        synchronized (lock) {
            Map<Endpoint, Upstream> existing = new LinkedHashMap<>();
            for (Upstream member : current.members()) {
                existing.put(Endpoint.of(member.address()), member);
            }
            Map<Endpoint, UpstreamAddress> wanted = new LinkedHashMap<>();
            for (UpstreamAddress address : addresses) {
                wanted.putIfAbsent(Endpoint.of(address), address);
            }
            List<Upstream> next = new ArrayList<>(wanted.size());
            boolean described = false;
            for (Map.Entry<Endpoint, UpstreamAddress> entry : wanted.entrySet()) {
                Upstream member = existing.remove(entry.getKey());
                if (member == null) {
                    member = factory.apply(entry.getValue());
                    added.add(member);
                } else if (!member.address().equals(entry.getValue())) {
                    member.describe(entry.getValue()); // same socket address, new origin (e.g. another slice)
                    described = true;
                }
                next.add(member);
            }
            removed = List.copyOf(existing.values());
            Upstream[] local = next.stream().filter(u -> preferred.test(wanted.get(Endpoint.of(u.address())))).toArray(Upstream[]::new);
            changed = !added.isEmpty() || !removed.isEmpty() || !next.equals(current.asList())
                    || !java.util.Arrays.equals(local, current.preferred());
            if (changed) {
                Upstream[] others = next.stream().filter(u -> java.util.Arrays.stream(local).noneMatch(l -> l == u)).toArray(Upstream[]::new);
                current = new UpstreamSet(next.toArray(Upstream[]::new), local, others, current.version() + 1);
            }
            changed |= described;
        }
        for (MembershipListener listener : listeners) {
            added.forEach(listener::added);
            removed.forEach(listener::removed);
        }
        removed.forEach(Upstream::close);
        if (!added.isEmpty() || !removed.isEmpty()) {
            log.info("Upstreams of {}: {} (added {}, removed {})", name, current.asList(), added, removed);
        }
        return changed;
    }

    /** What identifies a member across updates: where packets go, not where the address was learnt. */
    private record Endpoint(io.kubeforward.config.Transport transport, java.net.InetSocketAddress address, String serverName) {
        static Endpoint of(UpstreamAddress address) {
            return new Endpoint(address.transport(), address.address(), address.serverName());
        }
    }

    /**
     * Every {@code interval}, closes pooled connections idle past {@code expire} or older than {@code max_age},
     * so idle file descriptors do not linger until the next query (CoreDNS cleans up every 10s).
     */
    public void evictExpiredConnectionsEvery(io.netty.channel.EventLoop loop, java.time.Duration interval) {
        long nanos = interval.toNanos();
        eviction = loop.scheduleWithFixedDelay(() -> {
            for (Upstream member : current.members()) {
                member.evictExpiredConnections();
            }
        }, nanos, nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** Closes every member. */
    @Override
    public void close() {
        java.util.concurrent.ScheduledFuture<?> scheduled = eviction;
        if (scheduled != null) {
            scheduled.cancel(false);
        }
        apply(List.of());
    }
}
