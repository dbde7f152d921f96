package io.kubeforward.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * IP address literals as written in configuration. Never performs a DNS lookup: text that is not an
 * IPv4 dotted quad or an IPv6 literal is rejected, so a host name can never sneak into the config.
 */
final class IpLiterals {

    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    /**
     * Starts with a hex digit or a colon: only then does {@link InetAddress#getByName} read the text as a literal
     * (failing if it is not one) instead of looking it up; {@code .:5} would be resolved.
     */
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*(%[0-9A-Za-z._-]+)?");

    private IpLiterals() {
    }

    /** The address written as {@code text}, or empty when it is not an IP literal. */
    static Optional<InetAddress> parse(String text) {
        boolean v4 = IPV4.matcher(text).matches();
        boolean v6 = !v4 && text.indexOf(':') >= 0 && IPV6.matcher(text).matches();
        if (!v4 && !v6) {
            return Optional.empty();
        }
        try {
            // A literal (checked above) is parsed by InetAddress without any name lookup.
            return Optional.of(InetAddress.getByName(text));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
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
}
