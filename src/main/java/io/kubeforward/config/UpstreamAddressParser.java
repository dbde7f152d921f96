package io.kubeforward.config;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The TO list of {@code forward} ({@code to:} in YAML): {@code IP}, {@code IP:PORT}, {@code [IPv6]:PORT},
 * each optionally prefixed with {@code dns://}; {@code tls://IP[:PORT][%SERVERNAME]}; or the path of a
 * resolv.conf-style file whose nameservers become plain DNS upstreams on port 53. Host names are never
 * resolved. At most {@value StaticUpstreams#MAX_UPSTREAMS} upstreams after files are expanded, no duplicates.
 */
final class UpstreamAddressParser {

    static final String STATIC_ORIGIN = "static";

    private UpstreamAddressParser() {
    }

    /**
     * Parses a whole TO list.
     *
     * @param tlsServerName the {@code tls_servername} option, used for {@code tls://} upstreams without {@code %NAME}
     * @throws IllegalArgumentException naming the offending entry
     */
    static List<UpstreamAddress> parseAll(List<String> tos, String tlsServerName) {
        List<UpstreamAddress> upstreams = new ArrayList<>();
        for (String to : tos) {
            upstreams.addAll(parse(to, tlsServerName));
        }
        return checkList(upstreams);
    }

    /**
     * {@code upstreams} if there are at most {@value StaticUpstreams#MAX_UPSTREAMS} and no duplicates.
     *
     * @throws IllegalArgumentException otherwise
     */
    static List<UpstreamAddress> checkList(List<UpstreamAddress> upstreams) {
        if (upstreams.size() > StaticUpstreams.MAX_UPSTREAMS) {
            throw new IllegalArgumentException(upstreams.size() + " upstreams (expected: at most "
                    + StaticUpstreams.MAX_UPSTREAMS + ", counting each nameserver of a file)");
        }
        Set<String> seen = new HashSet<>();
        for (UpstreamAddress upstream : upstreams) {
            if (!seen.add(upstream.url())) {
                throw new IllegalArgumentException("upstream " + upstream.url() + " is listed twice");
            }
        }
        return List.copyOf(upstreams);
    }

    /** One TO: a single upstream, or the nameservers of a file. */
    static List<UpstreamAddress> parse(String to, String tlsServerName) {
        Target target = target(to, tlsServerName);
        Optional<InetSocketAddress> address = socketAddress(target.rest(), target.transport().defaultPort());
        if (address.isPresent()) {
            return List.of(new UpstreamAddress(target.transport(), address.get(), target.serverName(), STATIC_ORIGIN));
        }
        if (target.transport() == Transport.DNS && isFile(target.rest())) {
            return fromFile(target.rest());
        }
        throw new IllegalArgumentException("'" + to + "' is not an IP address, IP:PORT"
                + (target.transport() == Transport.DNS ? " or an existing file" : ""));
    }

    /**
     * One address in the forms of a TO, but never a file (for {@code kubeforward}'s {@code fallback}, where
     * resolv.conf files are not allowed).
     *
     * @param origin the {@link UpstreamAddress#origin()} to record, e.g. {@code "fallback"}
     * @throws IllegalArgumentException naming the entry
     */
    static UpstreamAddress parseAddress(String to, String tlsServerName, String origin) {
        Target target = target(to, tlsServerName);
        Optional<InetSocketAddress> address = socketAddress(target.rest(), target.transport().defaultPort());
        if (address.isPresent()) {
            return new UpstreamAddress(target.transport(), address.get(), target.serverName(), origin);
        }
        if (target.transport() == Transport.DNS && isFile(target.rest())) {
            throw new IllegalArgumentException("'" + to + "': resolv.conf files are not allowed here (expected: IP, "
                    + "IP:PORT, [IPv6]:PORT, dns:// or tls:// addresses)");
        }
        throw new IllegalArgumentException("'" + to + "' is not an IP address or IP:PORT");
    }

    /** Splits {@code to} into transport, the address part and the TLS server name. */
    private static Target target(String to, String tlsServerName) {
        if (to.isBlank()) {
            throw new IllegalArgumentException("empty upstream address (an environment variable that is not set?)");
        }
        int schemeEnd = to.indexOf("://");
        Transport transport = schemeEnd < 0 ? Transport.DNS : transport(to, to.substring(0, schemeEnd));
        String rest = schemeEnd < 0 ? to : to.substring(schemeEnd + 3);
        String serverName = "";
        if (transport == Transport.TLS) {
            int percent = rest.indexOf('%', rest.startsWith("[") ? Math.max(0, rest.indexOf(']')) : 0);
            serverName = percent < 0 ? tlsServerName : rest.substring(percent + 1);
            rest = percent < 0 ? rest : rest.substring(0, percent);
            if (serverName.isEmpty() && percent >= 0) {
                throw new IllegalArgumentException("'" + to + "': empty TLS server name after '%'");
            }
        }
        return new Target(transport, rest, serverName);
    }

    private static Transport transport(String to, String scheme) {
        return switch (scheme.toLowerCase(Locale.ROOT)) {
            case "dns" -> Transport.DNS;
            case "tls" -> Transport.TLS;
            case "https" -> throw new IllegalArgumentException("'" + to + "': DNS over HTTPS (https://) is not supported");
            case "grpc" -> throw new IllegalArgumentException("'" + to + "': gRPC (grpc://) is not supported");
            default -> throw new IllegalArgumentException("'" + to + "': unknown transport '" + scheme
                    + "' (expected: dns:// or tls://)");
        };
    }

    /** {@code IP}, {@code IP:PORT}, {@code [IPv6]}, {@code [IPv6]:PORT} or bare IPv6; empty when the host is no IP. */
    private static Optional<InetSocketAddress> socketAddress(String text, int defaultPort) {
        String host = text;
        Optional<String> port = Optional.empty();
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || (close + 1 < text.length() && text.charAt(close + 1) != ':')) {
                return Optional.empty();
            }
            host = text.substring(1, close);
            port = close + 1 < text.length() ? Optional.of(text.substring(close + 2)) : Optional.empty();
        } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
            host = text.substring(0, text.indexOf(':'));
            port = Optional.of(text.substring(text.indexOf(':') + 1));
        }
        Optional<String> portText = port;
        return IpLiterals.parse(host).map(ip ->
                new InetSocketAddress(ip, portText.map(p -> port(text, p)).orElse(defaultPort)));
    }

    private static int port(String to, String port) {
        try {
            return Ports.parse(port, 1);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + to + "': port " + e.getMessage(), e);
        }
    }

    private static boolean isFile(String text) {
        try {
            return !text.isEmpty() && Files.isRegularFile(Path.of(text));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    private static List<UpstreamAddress> fromFile(String path) {
        ResolvConf conf = ResolvConf.read(path);
        return conf.nameservers().stream()
                .map(ip -> new UpstreamAddress(Transport.DNS, new InetSocketAddress(ip, Transport.DNS.defaultPort()), "",
                        "resolv.conf:" + path))
                .toList();
    }

    /** A TO taken apart: {@code rest} is {@code IP[:PORT]} or a file path, without scheme and {@code %NAME}. */
    private record Target(Transport transport, String rest, String serverName) {
    }
}
