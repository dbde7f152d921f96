package io.kubeforward.discovery;

import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeSet;

/**
 * Which port of a Service's endpoints to forward to: by name, by number, or the only one. DNS ports come
 * in pairs (UDP {@code dns} and TCP {@code dns-tcp} on the same number); a name picks its own entry, a
 * number prefers UDP.
 *
 * @param name   the port name, or empty
 * @param number the port number, if given
 */
record PortSelection(String name, OptionalInt number) {

    /** The chosen port for one slice's port list, or empty when the slice has none that matches. */
    Optional<Integer> select(List<DiscoveryV1EndpointPort> ports) throws AmbiguousPortException {
        if (ports == null || ports.isEmpty()) {
            return Optional.empty();
        }
        if (!name.isEmpty()) {
            return ports.stream().filter(p -> name.equals(p.getName()) && p.getPort() != null).map(DiscoveryV1EndpointPort::getPort)
                    .findFirst();
        }
        if (number.isPresent()) {
            return ports.stream().filter(p -> p.getPort() != null && p.getPort() == number.getAsInt())
                    .map(DiscoveryV1EndpointPort::getPort).findFirst();
        }
        TreeSet<Integer> numbers = new TreeSet<>();
        ports.stream().map(DiscoveryV1EndpointPort::getPort).filter(java.util.Objects::nonNull).forEach(numbers::add);
        if (numbers.size() == 1) {
            return Optional.of(numbers.first());
        }
        throw new AmbiguousPortException(ports);
    }

    /** No port_name or port was configured and the Service has several ports. */
    static final class AmbiguousPortException extends Exception {
        AmbiguousPortException(Collection<DiscoveryV1EndpointPort> ports) {
            super("the Service has several ports " + ports.stream()
                    .map(p -> (p.getName() == null ? "<unnamed>" : p.getName()) + "=" + p.getPort() + "/" + p.getProtocol())
                    .toList() + "; set port_name (or port) to choose one");
        }
    }
}
