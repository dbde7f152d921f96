package io.kubeforward.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Which endpoint addresses of a Service to use ({@code address_family}). */
public enum AddressFamily {
    /** IPv4 endpoints only. */
    IPV4("ipv4"),
    /** IPv6 endpoints only. */
    IPV6("ipv6"),
    /** Both (dual-stack Services publish one slice per family). */
    ANY("any");

    private final String configName;

    AddressFamily(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public boolean accepts(InetAddress address) {
        return switch (this) {
            case IPV4 -> address instanceof Inet4Address;
            case IPV6 -> address instanceof Inet6Address;
            case ANY -> true;
        };
    }

    public static Optional<AddressFamily> fromConfigName(String name) {
        String normalized = name.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(f -> f.configName.equals(normalized)).findFirst();
    }
}
