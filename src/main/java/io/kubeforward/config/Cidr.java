package io.kubeforward.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * An address block: {@code 10.0.0.0/8}, {@code fd00::/8}, or a single address ({@code 10.1.2.3} is {@code /32}).
 *
 * @param network      the block's first address (host bits zero)
 * @param prefixLength leading bits that must match: 0-32 for IPv4, 0-128 for IPv6
 */
public record Cidr(InetAddress network, int prefixLength) {

    /** CoreDNS's {@code *}: every IPv4 and every IPv6 address. */
    public static final List<Cidr> ANY = List.of(parse("0.0.0.0/0"), parse("::/0"));

    public Cidr {
        Objects.requireNonNull(network, "network");
        int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " (expected: 0-" + bits + ")");
        }
    }

    /** A SOURCE of CoreDNS's acl: {@code *} ({@link #ANY}), or one block as {@link #parse}. */
    public static List<Cidr> parseSource(String text) {
        return text.equals("*") ? ANY : List.of(parse(text));
    }

    /**
     * Parses {@code IP/PREFIX} or {@code IP}.
     *
     * @throws IllegalArgumentException naming the text, e.g. when host bits are set ({@code 10.0.0.1/8})
     */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        InetAddress address = IpLiterals.parse(slash < 0 ? text : text.substring(0, slash))
                .orElseThrow(() -> new IllegalArgumentException("'" + text + "' is not an IP address or CIDR"));
        int bits = address.getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String digits = text.substring(slash + 1);
            if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(digits) > bits) {
                throw new IllegalArgumentException("'" + text + "': prefix length '" + digits + "' (expected: 0-" + bits + ")");
            }
            prefix = Integer.parseInt(digits);
        }
        byte[] bytes = address.getAddress();
        for (int bit = prefix; bit < bits; bit++) {
            if ((bytes[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                throw new IllegalArgumentException("'" + text + "': host bits are set (expected: the network address)");
            }
        }
        return new Cidr(address, prefix);
    }

    public boolean isIpv4() {
        return network instanceof Inet4Address;
    }

    @Override
    public String toString() {
        return IpText.format(network) + "/" + prefixLength;
    }
}
