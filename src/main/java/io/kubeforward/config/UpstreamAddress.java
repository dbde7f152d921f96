package io.kubeforward.config;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One upstream DNS server.
 *
 * @param transport  plain DNS (UDP/TCP) or DNS over TLS
 * @param address    resolved IP address and port (53 for DNS, 853 for TLS by default)
 * @param serverName TLS server name from {@code tls://IP%NAME} or {@code tls_servername}; empty for none
 * @param origin     where it was declared: {@code "static"} or {@code "resolv.conf:/etc/resolv.conf"}
 */
public record UpstreamAddress(Transport transport, InetSocketAddress address, String serverName, String origin) {

    public UpstreamAddress {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(serverName, "serverName");
        Objects.requireNonNull(origin, "origin");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("upstream address must be an IP address: " + address);
        }
    }

    /** {@code host:port} with IPv6 hosts in brackets, e.g. {@code [fd00::a]:53}. */
    public String hostPort() {
        return IpText.hostPort(address.getAddress(), address.getPort());
    }

    /** Transport-qualified name, e.g. {@code dns://10.0.0.10:53}, used as a metric tag and in logs. */
    public String url() {
        return transport.scheme() + "://" + hostPort();
    }
}
