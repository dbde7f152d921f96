package io.kubeforward.config;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code nameserver} lines of a resolv.conf-style file, the way CoreDNS reads a {@code forward} TO that
 * is a file. Other lines ({@code search}, {@code options}, comments) are ignored. An IPv6 zone
 * ({@code fe80::1%eth0}) is dropped, as CoreDNS does.
 *
 * @param path        the path as given
 * @param nameservers the addresses in file order; never empty
 */
record ResolvConf(String path, List<InetAddress> nameservers) {

    ResolvConf {
        Objects.requireNonNull(path, "path");
        nameservers = List.copyOf(nameservers);
    }

    /**
     * Reads {@code path}.
     *
     * @throws IllegalArgumentException when it cannot be read, has no nameserver, or a nameserver is not an IP
     */
    static ResolvConf read(String path) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of(path), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read " + path + ": " + e, e);
        }
        List<InetAddress> nameservers = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String[] fields = lines.get(i).strip().split("\\s+");
            if (fields[0].equals("nameserver")) {
                nameservers.add(nameserver(fields, path + ":" + (i + 1)));
            }
        }
        if (nameservers.isEmpty()) {
            throw new IllegalArgumentException(path + ": no 'nameserver' line");
        }
        return new ResolvConf(path, nameservers);
    }

    private static InetAddress nameserver(String[] fields, String location) {
        if (fields.length < 2) {
            throw new IllegalArgumentException(location + ": nameserver without an address");
        }
        return IpLiterals.parse(IpLiterals.stripZone(fields[1])).orElseThrow(() ->
                new IllegalArgumentException(location + ": nameserver '" + fields[1] + "' is not an IP address"));
    }
}
