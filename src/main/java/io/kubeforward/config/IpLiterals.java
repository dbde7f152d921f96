package io.kubeforward.config;

import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * IP address literals as written in configuration, parsed by Netty's {@link NetUtil}, which reads the text itself
 * and never looks a name up: a host name can never sneak into the config. Stricter than {@code NetUtil} where Go
 * (and so CoreDNS) is: no brackets, no IPv4 octet with a leading zero ({@code 01.2.3.4}, octal to some parsers).
 */
final class IpLiterals {

    private IpLiterals() {
    }

    /** The address written as {@code text}, or empty when it is not an IP literal. */
    static Optional<InetAddress> parse(String text) {
        if (text.isEmpty() || text.charAt(0) == '[' || leadingZeroOctet(text)) {
            return Optional.empty();
        }
        int percent = text.indexOf('%');
        if (percent > 0 && !digits(text.substring(percent + 1))) {
            return withInterfaceScope(text.substring(0, percent), text.substring(percent + 1));
        }
        return Optional.ofNullable(NetUtil.createInetAddressFromIpAddressString(text));
    }

    /** Like {@link #parse} but fails with {@code 'text' is not an IP address}. */
    static InetAddress require(String text) {
        return parse(text).orElseThrow(() -> new IllegalArgumentException("'" + text + "' is not an IP address"));
    }

    /** {@code fe80::1%eth0} without its zone. */
    static String stripZone(String text) {
        int percent = text.indexOf('%');
        return percent < 0 ? text : text.substring(0, percent);
    }

    /** Where a block without {@code bind} listens, as CoreDNS: every IPv4 and IPv6 address. */
    static List<InetAddress> wildcards() {
        return List.of(require("0.0.0.0"), require("::"));
    }

    /** {@code fe80::1%eth0}: the zone names an interface of this host (read from the kernel, not looked up). */
    private static Optional<InetAddress> withInterfaceScope(String address, String interfaceName) {
        byte[] bytes = NetUtil.isValidIpV6Address(address) ? NetUtil.createByteArrayFromIpAddressString(address) : null;
        if (bytes == null || bytes.length != 16) {
            return Optional.empty();
        }
        try {
            NetworkInterface link = NetworkInterface.getByName(interfaceName);
            return link == null ? Optional.empty() : Optional.of(Inet6Address.getByAddress(null, bytes, link));
        } catch (SocketException | UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static boolean leadingZeroOctet(String text) {
        if (!NetUtil.isValidIpV4Address(text)) {
            return false;
        }
        for (String octet : text.split("\\.")) {
            if (octet.length() > 1 && octet.charAt(0) == '0') {
                return true;
            }
        }
        return false;
    }

    private static boolean digits(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }
}
