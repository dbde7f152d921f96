package io.kubeforward.discovery;

import io.kubeforward.KubeforwardApplication;
import io.kubeforward.server.DnsServer;
import io.kubeforward.testcluster.KubernetesCluster;
import io.kubeforward.testcluster.NetnsTestHost;
import io.kubeforward.testing.DnsTestClient;
import io.kubeforward.testing.TestUpstream;
import io.kubeforward.upstream.Upstream;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointHints;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1ForZone;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What the discovery tests share: a namespace of their own on the real API server, upstream DNS servers on
 * network-namespace test hosts (the API server refuses loopback endpoint addresses), EndpointSlice helpers,
 * and the real application started against the cluster's kubeconfig.
 */
public final class DiscoveryHarness implements AutoCloseable {

    /** Every test upstream listens on this port inside its own host, so one slice port fits all of them. */
    public static final int DNS_PORT = 5353;
    public static final String SERVICE = "kube-dns";

    public final KubernetesCluster cluster;
    final DiscoveryV1Api discovery;
    final CoreV1Api core;
    public final String namespace = "kf-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<AutoCloseable> resources = new ArrayList<>();

    public DiscoveryHarness(KubernetesCluster cluster, ApiClient admin) throws ApiException {
        KubernetesClients.forWatching(admin); // the test's own client must read empty slices too
        this.cluster = cluster;
        this.discovery = new DiscoveryV1Api(admin);
        this.core = new CoreV1Api(admin);
        core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(namespace))).execute();
    }

    /** A host with a DNS server answering A queries with {@code marker}, on IPv4 (and IPv6 if asked). */
    public Host host(String marker) throws Exception {
        NetnsTestHost netns = NetnsTestHost.create();
        resources.add(netns);
        InetAddress mark = InetAddress.getByName(marker);
        TestUpstream v4 = netns.insideNamespace(() -> new TestUpstream(netns.address(), DNS_PORT, mark));
        resources.add(v4);
        TestUpstream v6 = netns.insideNamespace(() -> new TestUpstream(netns.ipv6Address(), DNS_PORT, mark));
        resources.add(v6);
        return new Host(netns, v4, v6);
    }

    public record Host(NetnsTestHost netns, TestUpstream dns, TestUpstream dns6) {
        public String ip() {
            return netns.address().getHostAddress();
        }

        String ip6() {
            return io.kubeforward.config.IpText.format(netns.ipv6Address());
        }

        public String hostPort() {
            return ip() + ":" + DNS_PORT;
        }
    }

    /** An endpoint for a slice. */
    public static V1Endpoint endpoint(String ip, Boolean ready, Boolean serving, Boolean terminating, String zone, String... hints) {
        V1Endpoint endpoint = new V1Endpoint().addresses(List.of(ip))
                .conditions(new V1EndpointConditions().ready(ready).serving(serving).terminating(terminating))
                .nodeName("node-" + ip.replace(':', '-').replace('.', '-'));
        if (zone != null) {
            endpoint.zone(zone);
        }
        if (hints.length > 0) {
            endpoint.hints(new V1EndpointHints().forZones(java.util.Arrays.stream(hints).map(h -> new V1ForZone().name(h)).toList()));
        }
        return endpoint;
    }

    public static V1Endpoint ready(String ip) {
        return endpoint(ip, true, true, false, null);
    }

    static List<DiscoveryV1EndpointPort> dnsPorts() {
        return List.of(new DiscoveryV1EndpointPort().name("dns").port(DNS_PORT).protocol("UDP"),
                new DiscoveryV1EndpointPort().name("dns-tcp").port(DNS_PORT).protocol("TCP"),
                new DiscoveryV1EndpointPort().name("metrics").port(9153).protocol("TCP"));
    }

    V1EndpointSlice slice(String name, String addressType, List<V1Endpoint> endpoints) {
        return new V1EndpointSlice().apiVersion("discovery.k8s.io/v1").kind("EndpointSlice")
                .metadata(new V1ObjectMeta().name(name).namespace(namespace)
                        .labels(Map.of("kubernetes.io/service-name", SERVICE, "endpointslice.kubernetes.io/managed-by", "kubeforward-test")))
                .addressType(addressType).ports(dnsPorts()).endpoints(endpoints);
    }

    public void create(String name, V1Endpoint... endpoints) throws ApiException {
        discovery.createNamespacedEndpointSlice(namespace, slice(name, "IPv4", List.of(endpoints))).execute();
    }

    void create(V1EndpointSlice slice) throws ApiException {
        discovery.createNamespacedEndpointSlice(namespace, slice).execute();
    }

    public void replace(String name, V1Endpoint... endpoints) throws ApiException {
        V1EndpointSlice current = discovery.readNamespacedEndpointSlice(name, namespace).execute();
        current.endpoints(List.of(endpoints));
        discovery.replaceNamespacedEndpointSlice(name, namespace, current).execute();
    }

    public void delete(String name) throws ApiException {
        discovery.deleteNamespacedEndpointSlice(name, namespace).execute();
    }

    /** Starts the application with one server block for {@code cluster.local.} fed from the Service. */
    public App start(Map<String, String> extra) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("server.port", "0");
        properties.put("kubeforward.kubernetes.kubeconfig", cluster.kubeconfig().toString());
        properties.put("kubeforward.servers[0].zones[0]", "cluster.local.");
        properties.put("kubeforward.servers[0].port", "0");
        properties.put("kubeforward.servers[0].bind[0]", "127.0.0.1");
        properties.put("kubeforward.servers[0].forward.service.namespace", namespace);
        properties.put("kubeforward.servers[0].forward.service.name", SERVICE);
        properties.put("kubeforward.servers[0].forward.service.port-name", "dns");
        properties.put("kubeforward.servers[0].forward.health-check.interval", "200ms");
        properties.put("kubeforward.servers[0].forward.read-timeout", "500ms");
        properties.putAll(extra);
        // As command-line arguments: they outrank the profile files (default properties would not).
        String[] args = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        ConfigurableApplicationContext context = new SpringApplicationBuilder(KubeforwardApplication.class).run(args);
        App app = new App(context);
        resources.add(app);
        return app;
    }

    /** A running application. */
    public static final class App implements AutoCloseable {
        public final ConfigurableApplicationContext context;

        App(ConfigurableApplicationContext context) {
            this.context = context;
        }

        public InetSocketAddress dns() {
            return context.getBean(DnsServer.class).listeners().get(0).address();
        }

        public DnsTestClient client() {
            return new DnsTestClient(dns(), Duration.ofSeconds(6));
        }

        /** The pool's members as {@code host:port}, in pool order. */
        public List<String> pool() {
            return context.getBean(io.kubeforward.forward.Forwarding.class).entries().get(0).forwarder().orElseThrow().pool()
                    .current().asList().stream().map(u -> u.address().hostPort()).toList();
        }

        public List<Upstream> members() {
            return context.getBean(io.kubeforward.forward.Forwarding.class).entries().get(0).forwarder().orElseThrow().pool()
                    .current().asList();
        }

        public EndpointSliceWatcher watcher() {
            return context.getBean(KubernetesDiscovery.class).watchers().get(0);
        }

        @Override
        public void close() {
            if (context.isActive()) {
                context.close();
            }
        }
    }

    @Override
    public void close() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
        try {
            core.deleteNamespace(namespace).execute();
        } catch (ApiException | RuntimeException e) {
            // the API server may be down in a failed test; the cluster is thrown away anyway
        }
    }

    static String answer(org.xbill.DNS.Message reply) {
        if (reply.getRcode() != 0 || reply.getSection(org.xbill.DNS.Section.ANSWER).isEmpty()) {
            return "rcode " + reply.getRcode();
        }
        return ((org.xbill.DNS.ARecord) reply.getSection(org.xbill.DNS.Section.ANSWER).get(0)).getAddress().getHostAddress();
    }

    static void ignore(IOException e) {
    }
}
