package io.kubeforward.discovery;

import io.kubeforward.config.AddressFamily;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1ForZone;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Merges all EndpointSlices of one Service into an {@link EndpointSet}: FQDN slices and other address
 * families are skipped, the port is chosen per slice, an address listed twice (slices overlap while
 * they split or merge) counts once with the most available conditions.
 */
final class EndpointSliceReader {

    private final PortSelection port;
    private final AddressFamily family;

    EndpointSliceReader(PortSelection port, AddressFamily family) {
        this.port = port;
        this.family = family;
    }

    EndpointSet read(Collection<V1EndpointSlice> slices) throws PortSelection.AmbiguousPortException {
        Map<String, DiscoveredEndpoint> byAddress = new LinkedHashMap<>();
        for (V1EndpointSlice slice : slices) {
            String type = slice.getAddressType();
            if (!"IPv4".equals(type) && !"IPv6".equals(type)) {
                continue; // FQDN slices name hosts, not addresses we can send to
            }
            Optional<Integer> selected = port.select(slice.getPorts());
            if (selected.isEmpty() || slice.getEndpoints() == null) {
                continue;
            }
            String sliceName = slice.getMetadata() == null || slice.getMetadata().getName() == null ? "" : slice.getMetadata().getName();
            for (V1Endpoint endpoint : slice.getEndpoints()) {
                for (DiscoveredEndpoint found : read(endpoint, selected.get(), sliceName)) {
                    byAddress.merge(found.hostPort(), found, EndpointSliceReader::moreAvailable);
                }
            }
        }
        return new EndpointSet(new ArrayList<>(byAddress.values()));
    }

    private List<DiscoveredEndpoint> read(V1Endpoint endpoint, int portNumber, String slice) {
        V1EndpointConditions conditions = endpoint.getConditions();
        boolean ready = conditions == null || conditions.getReady() == null || conditions.getReady();
        boolean serving = conditions == null || conditions.getServing() == null ? ready : conditions.getServing();
        boolean terminating = conditions != null && conditions.getTerminating() != null && conditions.getTerminating();
        List<String> hints = endpoint.getHints() == null || endpoint.getHints().getForZones() == null ? List.of()
                : endpoint.getHints().getForZones().stream().map(V1ForZone::getName).filter(java.util.Objects::nonNull).toList();
        List<DiscoveredEndpoint> found = new ArrayList<>();
        for (String text : endpoint.getAddresses() == null ? List.<String>of() : endpoint.getAddresses()) {
            parse(text).filter(family::accepts).ifPresent(address -> found.add(new DiscoveredEndpoint(address, portNumber, ready,
                    serving, terminating, nullToEmpty(endpoint.getZone()), nullToEmpty(endpoint.getNodeName()), slice, hints)));
        }
        return found;
    }

    /** An IP literal only: never a name lookup. */
    private static Optional<InetAddress> parse(String text) {
        if (text == null || text.isEmpty() || !(Character.digit(text.charAt(0), 16) >= 0 || text.charAt(0) == ':')
                || text.chars().anyMatch(c -> !(Character.digit(c, 16) >= 0 || c == '.' || c == ':'))) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(text));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static DiscoveredEndpoint moreAvailable(DiscoveredEndpoint a, DiscoveredEndpoint b) {
        return rank(b) > rank(a) ? b : a;
    }

    private static int rank(DiscoveredEndpoint e) {
        return e.inRotation() ? 2 : e.servingWhileTerminating() ? 1 : 0;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
