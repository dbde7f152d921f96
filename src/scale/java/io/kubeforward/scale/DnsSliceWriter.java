package io.kubeforward.scale;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes the kube-dns EndpointSlice the way the EndpointSlice controller does during a rolling restart of kube-dns: the
 * whole slice is replaced on every change (optimistic concurrency on its resourceVersion), an endpoint goes not-ready,
 * then terminating, then is removed, and a new one is added. Addresses come from 198.18.0.0/15 (benchmarking range; the
 * API server refuses loopback), each new endpoint with a fresh one, so a set never repeats. Nothing ever sends to them.
 */
final class DnsSliceWriter {

    static final String NAMESPACE = "kube-system";
    static final String SERVICE = "kube-dns";
    static final String SLICE = "kube-dns-scale";
    static final int PORT = 53;

    /** An endpoint's conditions as the controller writes them. */
    private record Endpoint(String ip, boolean ready, boolean serving, boolean terminating) {
    }

    private final DiscoveryV1Api api;
    private final List<Endpoint> endpoints = new ArrayList<>();
    private V1EndpointSlice current;
    private int nextAddress;

    DnsSliceWriter(ApiClient admin) {
        this.api = new DiscoveryV1Api(admin);
    }

    /** Creates the slice with three ready endpoints. */
    void create() throws ApiException {
        for (int i = 0; i < 3; i++) {
            endpoints.add(new Endpoint(freshAddress(), true, true, false));
        }
        current = api.createNamespacedEndpointSlice(NAMESPACE, slice(null)).execute();
    }

    /** The endpoints in rotation now, as nodes report them. */
    String effective() {
        return effective(endpoints);
    }

    /**
     * One rolling replacement of all three endpoints: for each, not-ready, terminating, removed, new one added, with
     * {@code pause} after each write. Returns the versions of the writes that change the endpoints in rotation.
     */
    List<Integer> rollingReplacement(FanOut fanOut, int round, Duration pause) throws ApiException, InterruptedException {
        List<Integer> versions = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            String ip = endpoints.get(0).ip();
            String label = "round " + round + " endpoint " + k;
            write(fanOut, label + " not-ready", set(0, new Endpoint(ip, false, false, false)), versions);
            Thread.sleep(pause);
            write(fanOut, label + " terminating", set(0, new Endpoint(ip, false, false, true)), versions);
            Thread.sleep(pause);
            List<Endpoint> removed = new ArrayList<>(endpoints.subList(1, endpoints.size()));
            write(fanOut, label + " removed", removed, versions);
            Thread.sleep(pause);
            List<Endpoint> added = new ArrayList<>(endpoints);
            added.add(new Endpoint(freshAddress(), true, true, false));
            write(fanOut, label + " added", added, versions);
            Thread.sleep(pause);
        }
        return versions;
    }

    /** One write that changes the set in rotation (the first endpoint replaced by a fresh one): its version. */
    int marker(FanOut fanOut, String label) throws ApiException {
        List<Integer> versions = new ArrayList<>();
        List<Endpoint> next = new ArrayList<>(endpoints.subList(1, endpoints.size()));
        next.add(new Endpoint(freshAddress(), true, true, false));
        write(fanOut, label, next, versions);
        return versions.getFirst();
    }

    private List<Endpoint> set(int index, Endpoint endpoint) {
        List<Endpoint> next = new ArrayList<>(endpoints);
        next.set(index, endpoint);
        return next;
    }

    private void write(FanOut fanOut, String label, List<Endpoint> next, List<Integer> versions) throws ApiException {
        String before = effective(endpoints);
        String after = effective(next);
        int version = after.equals(before) ? -1 : fanOut.register(after, label);
        endpoints.clear();
        endpoints.addAll(next);
        current = replaceRetrying();
        if (version >= 0) {
            fanOut.acknowledged(version, System.nanoTime());
            versions.add(version);
        }
    }

    /** PUT with the last resourceVersion; after an API server restart the first attempt may meet a dead connection. */
    private V1EndpointSlice replaceRetrying() throws ApiException {
        ApiException last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                return api.replaceNamespacedEndpointSlice(SLICE, NAMESPACE, slice(current.getMetadata().getResourceVersion())).execute();
            } catch (ApiException e) {
                last = e;
                if (e.getCode() == 409) {
                    current = api.readNamespacedEndpointSlice(SLICE, NAMESPACE).execute();
                } else if (e.getCode() != 0 && e.getCode() < 500 && e.getCode() != 429) {
                    throw e;
                }
                sleep(Duration.ofMillis(200));
            }
        }
        throw last;
    }

    private V1EndpointSlice slice(String resourceVersion) {
        return new V1EndpointSlice().apiVersion("discovery.k8s.io/v1").kind("EndpointSlice")
                .metadata(new V1ObjectMeta().name(SLICE).namespace(NAMESPACE).resourceVersion(resourceVersion)
                        .labels(Map.of("kubernetes.io/service-name", SERVICE,
                                "endpointslice.kubernetes.io/managed-by", "kubeforward-scale-bench")))
                .addressType("IPv4")
                .ports(List.of(new DiscoveryV1EndpointPort().name("dns").port(PORT).protocol("UDP"),
                        new DiscoveryV1EndpointPort().name("dns-tcp").port(PORT).protocol("TCP")))
                .endpoints(endpoints.stream().map(e -> new V1Endpoint().addresses(List.of(e.ip()))
                        .conditions(new V1EndpointConditions().ready(e.ready()).serving(e.serving()).terminating(e.terminating()))
                        .nodeName("node-" + e.ip().replace('.', '-'))).toList());
    }

    /** As kubeforward reads conditions: ready ones; if none, serving ones that terminate. Sorted as EndpointSet sorts. */
    private static String effective(List<Endpoint> endpoints) {
        List<Endpoint> ready = endpoints.stream().filter(Endpoint::ready).toList();
        List<Endpoint> chosen = ready.isEmpty() ? endpoints.stream().filter(e -> e.serving() && e.terminating()).toList() : ready;
        return chosen.stream().map(Endpoint::ip).sorted(DnsSliceWriter::compareIpv4).map(ip -> ip + ":" + PORT)
                .collect(Collectors.joining(","));
    }

    private static int compareIpv4(String a, String b) {
        return Long.compare(ipv4(a), ipv4(b));
    }

    private static long ipv4(String ip) {
        long value = 0;
        for (String part : ip.split("\\.")) {
            value = value * 256 + Integer.parseInt(part);
        }
        return value;
    }

    private String freshAddress() {
        int n = nextAddress++;
        return "198.18." + (n / 250) + "." + (n % 250 + 1);
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
