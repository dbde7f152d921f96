package io.kubeforward.forward;

import io.kubeforward.cache.CacheMetrics;
import io.kubeforward.cache.ResponseCache;
import io.kubeforward.config.ForwardRule;
import io.kubeforward.config.KubeforwardConfig;
import io.kubeforward.config.KubernetesServiceUpstreams;
import io.kubeforward.config.ServerBlock;
import io.kubeforward.config.StaticUpstreams;
import io.kubeforward.config.Transport;
import io.kubeforward.config.TlsOptions;
import io.kubeforward.metrics.ForwardMetrics;
import io.kubeforward.metrics.UpstreamMetrics;
import io.kubeforward.eventloop.DnsEventLoops;
import io.kubeforward.upstream.ConnectionSettings;
import io.kubeforward.upstream.HealthChecker;
import io.kubeforward.upstream.Upstream;
import io.kubeforward.upstream.UpstreamPool;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything built from a configuration to answer queries: one {@link Forwarder} (with its pool and
 * health checks) per server block that forwards, and one {@link QueryRouter} per listening address.
 */
public final class Forwarding implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Forwarding.class);

    /**
     * A server block's forwarding, for inspection.
     *
     * @param server    the block's first listening address, e.g. {@code dns://127.0.0.1:1053}
     * @param block     the configuration it came from
     * @param forwarder empty for a block that forwards nowhere
     * @param checker   present when health checks run
     */
    public record Entry(String server, ServerBlock block, Optional<Forwarder> forwarder, Optional<HealthChecker> checker) {
    }

    /** How often idle pooled connections are checked against {@code expire} and {@code max_age} (as CoreDNS). */
    static final Duration CONNECTION_CLEANUP_INTERVAL = Duration.ofSeconds(10);

    private final List<Entry> entries;
    private final Map<InetSocketAddress, QueryRouter> routers;

    private Forwarding(List<Entry> entries, Map<InetSocketAddress, QueryRouter> routers) {
        this.entries = List.copyOf(entries);
        this.routers = routers;
    }

    public List<Entry> entries() {
        return entries;
    }

    public Map<InetSocketAddress, QueryRouter> routers() {
        return routers;
    }

    public static Forwarding build(KubeforwardConfig config, DnsEventLoops loops, MeterRegistry registry, Clock clock,
            Duration deadline) {
        LoopCheck.check(config);
        List<Entry> entries = new ArrayList<>();
        Map<InetSocketAddress, List<QueryRouter.Route>> routes = new LinkedHashMap<>();
        for (ServerBlock block : config.servers()) {
            List<InetAddress> addresses = listenAddresses(block.bindAddresses());
            String server = "dns://" + hostPort(new InetSocketAddress(addresses.get(0), block.port()));
            Optional<HealthChecker> checker = Optional.empty();
            Optional<Forwarder> forwarder = Optional.empty();
            if (block.forward().isPresent()) {
                ForwardRule rule = block.forward().get();
                String poolName = block.zones().get(0) + ":" + block.port();
                checker = rule.options().healthChecksEnabled()
                        ? Optional.of(new HealthChecker(loops, rule.options().healthCheck(), rule.options().forceTcp(), clock))
                        : Optional.empty();
                UpstreamPool pool = newPool(poolName, rule, loops, registry);
                checker.ifPresent(pool::addListener);
                pool.evictExpiredConnectionsEvery(loops.loop(0), CONNECTION_CLEANUP_INTERVAL);
                forwarder = Optional.of(new Forwarder(rule.options(), pool, new ForwardMetrics(registry, server, block.zones().get(0)),
                        checker, deadline, new QueryLog(poolName, block.logQueries(), block.logErrors()), minLocal(rule),
                        block.cache().map(options -> new ResponseCache(options, new CacheMetrics(registry, server, block.zones().get(0))))));
                switch (rule.source()) {
                    case StaticUpstreams upstreams -> pool.apply(upstreams.upstreams());
                    case KubernetesServiceUpstreams service -> {
                        // Until the first list (or snapshot) arrives: the fallback upstreams, or SERVFAIL at once.
                        pool.apply(service.fallback());
                        log.info("{}: upstreams from {}; until its EndpointSlices are listed: {}", poolName, service.describe(),
                                service.fallback().isEmpty() ? "SERVFAIL" : "fallback " + service.fallback());
                    }
                }
            }
            entries.add(new Entry(server, block, forwarder, checker));
            ClientFilter clients = ClientFilter.of(block.acl(), registry, server, block.zones().get(0));
            for (InetAddress address : addresses) {
                for (String zone : block.zones()) {
                    String from = block.forward().map(ForwardRule::from).orElse(".");
                    List<String> except = block.forward().map(ForwardRule::except).orElse(List.of());
                    routes.computeIfAbsent(new InetSocketAddress(address, block.port()), k -> new ArrayList<>())
                            .add(new QueryRouter.Route(zone, forwarder, from, except, clients));
                }
            }
        }
        Map<InetSocketAddress, QueryRouter> routers = new LinkedHashMap<>();
        routes.forEach((address, list) -> routers.put(address, new QueryRouter(list)));
        return new Forwarding(entries, routers);
    }

    private static int minLocal(ForwardRule rule) {
        return rule.source() instanceof KubernetesServiceUpstreams service
                && service.zonePreference().mode() != io.kubeforward.config.ZonePreference.Mode.OFF
                ? service.zonePreference().minLocal() : 0;
    }

    private static UpstreamPool newPool(String name, ForwardRule rule, DnsEventLoops loops, MeterRegistry registry) {
        Optional<SslContext> tls = needsTls(rule) ? Optional.of(sslContext(rule.options().tls())) : Optional.empty();
        ConnectionSettings settings = ConnectionSettings.from(rule.options(), tls);
        return new UpstreamPool(name, address -> {
            UpstreamMetrics metrics = new UpstreamMetrics(registry, name, address.url());
            Upstream upstream = new Upstream(address, loops, settings, metrics);
            metrics.trackRtt(upstream, rule.options().readTimeout(), rule.options().forceTcp() || upstream.address().transport() == io.kubeforward.config.Transport.TLS);
            if (rule.options().slowThreshold().isPresent()) {
                metrics.trackSlowAnswers();
            }
            return upstream;
        });
    }

    private static boolean needsTls(ForwardRule rule) {
        return rule.options().tls().isPresent()
                || (rule.source() instanceof StaticUpstreams s && s.upstreams().stream().anyMatch(u -> u.transport() == Transport.TLS));
    }

    private static SslContext sslContext(Optional<TlsOptions> options) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient().protocols("TLSv1.3", "TLSv1.2");
            if (options.isPresent()) {
                options.get().ca().ifPresent(ca -> builder.trustManager(ca.toFile()));
                if (options.get().certificate().isPresent()) {
                    builder.keyManager(options.get().certificate().get().toFile(), options.get().key().get().toFile());
                }
            }
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalStateException("tls: cannot load the certificates: " + e.getMessage(), e);
        }
    }

    /** Wildcards for both families collapse into one dual-stack {@code ::} socket, as Go's {@code :53} does. */
    private static List<InetAddress> listenAddresses(List<InetAddress> bind) {
        boolean v4Any = bind.stream().anyMatch(a -> a.isAnyLocalAddress() && a.getAddress().length == 4);
        boolean v6Any = bind.stream().anyMatch(a -> a.isAnyLocalAddress() && a.getAddress().length == 16);
        if (v4Any && v6Any) {
            return bind.stream().filter(a -> !(a.isAnyLocalAddress() && a.getAddress().length == 4)).toList();
        }
        return bind;
    }

    static String hostPort(InetSocketAddress address) {
        return io.kubeforward.config.IpText.hostPort(address.getAddress(), address.getPort());
    }

    /** Queries in flight across every block. */
    public int inFlight() {
        return entries.stream().mapToInt(e -> e.forwarder().map(Forwarder::inFlight).orElse(0)).sum();
    }

    @Override
    public void close() {
        for (Entry entry : entries) {
            entry.checker().ifPresent(HealthChecker::close);
            entry.forwarder().ifPresent(f -> f.pool().close());
            entry.forwarder().flatMap(f -> f.cache).ifPresent(ResponseCache::close);
        }
    }
}
