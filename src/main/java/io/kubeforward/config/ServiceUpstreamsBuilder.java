package io.kubeforward.config;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Collects the endpoint options of {@code kubeforward} ({@code fallback}, {@code snapshot},
 * {@code address_family}, {@code prefer_zone}, {@code min_local}) from either source. Setters fail with an
 * {@link IllegalArgumentException} whose message is the problem only; the caller adds the location and
 * option name, as with {@link ForwardOptionsBuilder}. One per {@code kubeforward} being read.
 */
final class ServiceUpstreamsBuilder {

    static final String FALLBACK_ORIGIN = "fallback";

    private final List<UpstreamAddress> fallback = new ArrayList<>();
    private Optional<Path> snapshot = Optional.empty();
    private AddressFamily addressFamily = AddressFamily.ANY;
    private ZonePreference.Mode zoneMode = ZonePreference.Mode.OFF;
    private String zone = "";
    private OptionalInt minLocal = OptionalInt.empty();

    /**
     * Adds one fallback upstream: an address as in a forward TO, but not a resolv.conf file.
     *
     * @param tlsServerName used for {@code tls://} addresses without {@code %NAME}, as for a TO
     */
    void addFallback(String address, String tlsServerName) {
        fallback.add(UpstreamAddressParser.parseAddress(address, tlsServerName, FALLBACK_ORIGIN));
    }

    /**
     * Checks the fallback list as a whole: no address twice, at most {@value StaticUpstreams#MAX_UPSTREAMS}.
     *
     * @throws IllegalArgumentException the problem, to be reported at the list
     */
    void checkFallback() {
        if (fallback.size() > StaticUpstreams.MAX_UPSTREAMS) {
            throw new IllegalArgumentException(fallback.size() + " upstreams (expected: at most "
                    + StaticUpstreams.MAX_UPSTREAMS + ")");
        }
        Set<String> seen = new HashSet<>();
        for (UpstreamAddress upstream : fallback) {
            if (!seen.add(upstream.url())) {
                throw new IllegalArgumentException("upstream " + upstream.url() + " is listed twice");
            }
        }
    }

    /** The file need not exist (it is written on the first applied endpoint set); its directory must. */
    void snapshot(String file) {
        if (file.isBlank()) {
            throw new IllegalArgumentException("empty path (an environment variable that is not set?)");
        }
        Path path;
        try {
            path = Path.of(file);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("'" + file + "' is not a valid path (" + e.getReason() + ")");
        }
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException("'" + file + "' is a directory (expected: a file path)");
        }
        Path directory = path.toAbsolutePath().getParent();
        if (directory == null || !Files.isDirectory(directory)) {
            throw new IllegalArgumentException("'" + file + "': directory " + directory + " does not exist");
        }
        snapshot = Optional.of(path);
    }

    void addressFamily(String value) {
        addressFamily = AddressFamily.fromConfigName(value).orElseThrow(() ->
                new IllegalArgumentException("'" + value + "' (expected: ipv4, ipv6 or any)"));
    }

    /** {@code auto}, {@code off} (either in any case) or the name of a zone, kept as written. */
    void preferZone(String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("empty zone (expected: auto, off or a zone name)");
        }
        switch (value.toLowerCase(Locale.ROOT)) {
            case "auto" -> setZone(ZonePreference.Mode.AUTO, "");
            case "off" -> setZone(ZonePreference.Mode.OFF, "");
            default -> setZone(ZonePreference.Mode.FIXED, value);
        }
    }

    void minLocal(int value) {
        if (value < 1) {
            throw new IllegalArgumentException(value + " (expected: >= 1)");
        }
        minLocal = OptionalInt.of(value);
    }

    /**
     * Checks that {@code min_local} is only given together with a zone preference.
     *
     * @param preferZoneOption the spelling of {@code prefer_zone} in the caller's source, for the message
     * @throws IllegalArgumentException the problem, to be reported at {@code min_local}
     */
    void checkMinLocal(String preferZoneOption) {
        if (minLocal.isPresent() && zoneMode == ZonePreference.Mode.OFF) {
            throw new IllegalArgumentException("has no effect while " + preferZoneOption + " is off (expected: "
                    + preferZoneOption + " auto or ZONE)");
        }
    }

    /**
     * The Service's upstreams with the options collected so far. The caller checks the identity fields and calls
     * {@link #checkMinLocal} first, to report at the right place.
     */
    KubernetesServiceUpstreams build(String namespace, String serviceName, String portName, OptionalInt port) {
        checkFallback();
        return new KubernetesServiceUpstreams(namespace, serviceName, portName, port, fallback, snapshot, addressFamily,
                new ZonePreference(zoneMode, zone, minLocal.orElse(1)));
    }

    private void setZone(ZonePreference.Mode mode, String name) {
        zoneMode = mode;
        zone = name;
    }
}
