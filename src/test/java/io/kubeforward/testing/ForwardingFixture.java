package io.kubeforward.testing;

import io.kubeforward.config.ForwardOptions;
import io.kubeforward.config.ForwardRule;
import io.kubeforward.config.KubeforwardConfig;
import io.kubeforward.config.ServerBlock;
import io.kubeforward.config.StaticUpstreams;
import io.kubeforward.config.Transport;
import io.kubeforward.config.UpstreamAddress;
import io.kubeforward.forward.Forwarding;
import io.kubeforward.eventloop.DnsEventLoops;
import io.kubeforward.server.DnsServer;
import io.kubeforward.server.ListenerSettings;
import io.kubeforward.upstream.Upstream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import io.kubeforward.config.HealthCheck;
import io.kubeforward.config.Policy;

/**
 * The DNS side without Spring: event loops, forwarding for one server block (zone {@code .}) and its
 * listeners on 127.0.0.1 with an ephemeral port.
 */
public final class ForwardingFixture implements AutoCloseable {

    private final DnsEventLoops loops;
    private final Forwarding forwarding;
    private final DnsServer server;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private ForwardingFixture(KubeforwardConfig config, int threads, Duration deadline, ListenerSettings settings) {
        loops = new DnsEventLoops(threads, true);
        forwarding = Forwarding.build(config, loops, registry, Clock.systemUTC(), deadline);
        server = new DnsServer(loops, settings, registry);
        server.start(forwarding.routers());
    }

    /** Every block of {@code config} on 127.0.0.1 with its own ephemeral port (see TestCorefiles). */
    public static ForwardingFixture start(KubeforwardConfig config) {
        return new ForwardingFixture(config, 2, Duration.ofSeconds(5), ListenerSettings.defaults());
    }

    /** Like {@link #start(ForwardOptions, TestUpstream...)} with the listeners' limits of {@code settings}. */
    public static ForwardingFixture start(ForwardOptions options, ListenerSettings settings, TestUpstream... upstreams) {
        return new ForwardingFixture(config(options, java.util.Arrays.stream(upstreams).map(ForwardingFixture::address).toList()),
                2, Duration.ofSeconds(5), settings);
    }

    public static ForwardingFixture start(ForwardOptions options, TestUpstream... upstreams) {
        return start(options, Duration.ofSeconds(5), upstreams);
    }

    public static ForwardingFixture start(ForwardOptions options, Duration deadline, TestUpstream... upstreams) {
        List<UpstreamAddress> addresses = java.util.Arrays.stream(upstreams).map(ForwardingFixture::address).toList();
        return start(options, deadline, addresses);
    }

    public static ForwardingFixture start(ForwardOptions options, Duration deadline, List<UpstreamAddress> addresses) {
        return new ForwardingFixture(config(options, addresses), 2, deadline, ListenerSettings.defaults());
    }

    private static KubeforwardConfig config(ForwardOptions options, List<UpstreamAddress> addresses) {
        ForwardRule rule = new ForwardRule(".", List.of(), new StaticUpstreams(addresses), options);
        ServerBlock block = new ServerBlock(List.of("."), 0, List.of(InetAddress.getLoopbackAddress()), true, false,
                Optional.of(rule), Optional.empty());
        return new KubeforwardConfig(List.of(block), "test");
    }

    public static UpstreamAddress address(TestUpstream upstream) {
        return new UpstreamAddress(Transport.DNS, upstream.address(), "", "static");
    }

    public List<io.kubeforward.server.BoundListener> listeners() {
        return server.listeners();
    }

    public InetSocketAddress address() {
        return server.listeners().get(0).address();
    }

    public DnsTestClient client() {
        return new DnsTestClient(address(), Duration.ofSeconds(6));
    }

    public DnsTestClient client(Duration timeout) {
        return new DnsTestClient(address(), timeout);
    }

    public List<Upstream> upstreams() {
        return forwarding.entries().get(0).forwarder().orElseThrow().pool().current().asList();
    }

    public Forwarding forwarding() {
        return forwarding;
    }

    public SimpleMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        server.close();
        forwarding.close();
        loops.close();
    }

    /** Options builder over CoreDNS defaults, for readable tests. */
    public static Options options() {
        return new Options();
    }

    /** Builds {@link ForwardOptions} from CoreDNS defaults, for readable tests. */
    public static final class Options {
        private final ForwardOptions d = ForwardOptions.defaults();
        private boolean forceTcp;
        private boolean preferUdp;
        private int maxFails = d.maxFails();
        private OptionalInt maxConnectAttempts = OptionalInt.empty();
        private Duration expire = d.expire();
        private Optional<Duration> maxAge = Optional.empty();
        private Duration readTimeout = d.readTimeout();
        private Policy policy = d.policy();
        private HealthCheck healthCheck = d.healthCheck();
        private OptionalInt maxConcurrent = OptionalInt.empty();
        private boolean failfast;
        private Set<Integer> failover = Set.of();
        private Optional<io.kubeforward.config.TlsOptions> tls = Optional.empty();
        private String tlsServerName = "";
        private Optional<Duration> slowThreshold = Optional.empty();
        private boolean slowLog;

        public Options forceTcp() { forceTcp = true; return this; }
        public Options preferUdp() { preferUdp = true; return this; }
        public Options maxFails(int n) { maxFails = n; return this; }
        public Options maxConnectAttempts(int n) { maxConnectAttempts = OptionalInt.of(n); return this; }
        public Options expire(Duration value) { expire = value; return this; }
        public Options maxAge(Duration value) { maxAge = Optional.of(value); return this; }
        public Options readTimeout(Duration value) { readTimeout = value; return this; }
        public Options policy(Policy value) { policy = value; return this; }
        public Options healthCheck(Duration interval) { healthCheck = new HealthCheck(interval, true, "."); return this; }
        public Options maxConcurrent(int n) { maxConcurrent = OptionalInt.of(n); return this; }
        public Options failfast() { failfast = true; return this; }
        public Options failover(Integer... rcodes) { failover = Set.of(rcodes); return this; }
        public Options slowThreshold(Duration value) { slowThreshold = Optional.of(value); return this; }
        public Options slowLog() { slowLog = true; return this; }

        public Options tls(java.nio.file.Path ca, String serverName) {
            tls = Optional.of(new io.kubeforward.config.TlsOptions(Optional.empty(), Optional.empty(), Optional.of(ca)));
            tlsServerName = serverName;
            return this;
        }

        public ForwardOptions build() {
            return new ForwardOptions(forceTcp, preferUdp, maxFails, maxConnectAttempts, expire, maxAge, OptionalInt.empty(),
                    readTimeout, tls, tlsServerName, policy, healthCheck, maxConcurrent, failfast, failover, Optional.empty(),
                    slowThreshold, slowLog);
        }
    }
}
