package io.kubeforward.config;

import java.util.Locale;
import java.util.Objects;

/**
 * A server block key {@code [dns://]ZONE[:PORT]}: the zone normalized, the port defaulting to 53.
 *
 * @param zone normalized zone ({@code "."}, {@code "cluster.local."})
 * @param port listening port
 */
record ServerKey(String zone, int port) {

    static final int DEFAULT_PORT = 53;

    ServerKey {
        Objects.requireNonNull(zone, "zone");
    }

    /**
     * Parses a key as written in a Corefile.
     *
     * @throws IllegalArgumentException with a message naming the key
     */
    static ServerKey parse(String key) {
        String rest = key;
        int scheme = key.indexOf("://");
        if (scheme >= 0) {
            String transport = key.substring(0, scheme).toLowerCase(Locale.ROOT);
            if (!transport.equals("dns")) {
                throw new IllegalArgumentException("server block key '" + key + "': transport '" + transport
                        + "' is not supported (expected: dns:// or none)");
            }
            rest = key.substring(scheme + 3);
        }
        if (rest.indexOf('/') >= 0) {
            throw new IllegalArgumentException("server block key '" + key + "': reverse zones from a CIDR are not supported"
                    + " (write the in-addr.arpa zone)");
        }
        int colon = rest.lastIndexOf(':');
        String zone = colon < 0 ? rest : rest.substring(0, colon);
        try {
            return new ServerKey(DomainNames.normalize(zone), colon < 0 ? DEFAULT_PORT : port(rest.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("server block key '" + key + "': " + e.getMessage(), e);
        }
    }

    private static int port(String text) {
        try {
            return Ports.parse(text, 0);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("port " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return zone + ":" + port;
    }
}
