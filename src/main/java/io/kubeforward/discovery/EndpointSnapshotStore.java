package io.kubeforward.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

/**
 * Keeps the last applied endpoint set of one Service on disk ({@code snapshot PATH}), so that a restart
 * while the API server is unreachable can serve at once. Writes are atomic (temporary file, then rename);
 * a file that cannot be read, or that belongs to another Service or port, is reported and ignored.
 */
public final class EndpointSnapshotStore {

    private static final Logger log = LoggerFactory.getLogger(EndpointSnapshotStore.class);
    private static final int FORMAT = 1;

    /** The file's content. */
    record Snapshot(int format, String service, String port, Instant savedAt, List<Entry> endpoints) {
    }

    /** One endpoint address in the file. */
    record Entry(String address, int port, boolean ready, boolean serving, boolean terminating, String zone, String nodeName,
            String slice, List<String> hints) {
    }

    private final Path file;
    private final String service;
    private final String port;
    private final Clock clock;
    private final Gson json = new GsonBuilder().registerTypeAdapter(Instant.class, new InstantText().nullSafe()).disableHtmlEscaping()
            .create();

    /**
     * @param service {@code namespace/name}
     * @param port    how the port is selected ({@code name} or number), so a changed config does not reuse a file
     */
    public EndpointSnapshotStore(Path file, String service, String port, Clock clock) {
        this.file = file;
        this.service = service;
        this.port = port;
        this.clock = clock;
    }

    public Path file() {
        return file;
    }

    /** Writes {@code set}; a failure is logged and otherwise ignored (serving matters more than the file). */
    void save(EndpointSet set) {
        List<Entry> entries = set.endpoints().stream().map(e -> new Entry(io.kubeforward.config.IpText.format(e.address()), e.port(), e.ready(),
                e.serving(), e.terminating(), e.topologyZone(), e.nodeName(), e.slice(), e.hintedZones())).toList();
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(temporary, json.toJson(new Snapshot(FORMAT, service, port, clock.instant(), entries)));
            try {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("Cannot write the endpoint snapshot {}: {}", file, e.toString());
        }
    }

    /** The saved set, if the file exists, parses and belongs to this Service and port. */
    Optional<EndpointSet> load() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            Snapshot snapshot = json.fromJson(Files.readString(file, StandardCharsets.UTF_8), Snapshot.class);
            if (snapshot == null || snapshot.endpoints() == null) {
                throw new IllegalArgumentException("no endpoints in it");
            }
            if (snapshot.format() != FORMAT || !service.equals(snapshot.service()) || !port.equals(snapshot.port())) {
                log.warn("Ignoring endpoint snapshot {}: it is for {} port {} (format {}), not {} port {}", file, snapshot.service(),
                        snapshot.port(), snapshot.format(), service, port);
                return Optional.empty();
            }
            List<DiscoveredEndpoint> endpoints = new java.util.ArrayList<>();
            for (Entry e : snapshot.endpoints()) {
                endpoints.add(new DiscoveredEndpoint(literal(e.address()), e.port(), e.ready(), e.serving(), e.terminating(),
                        e.zone() == null ? "" : e.zone(), e.nodeName() == null ? "" : e.nodeName(), e.slice() == null ? "" : e.slice(),
                        e.hints() == null ? List.of() : e.hints()));
            }
            log.info("Loaded endpoint snapshot {} saved at {} with {} endpoints", file, snapshot.savedAt(), endpoints.size());
            return Optional.of(new EndpointSet(endpoints));
        } catch (IOException | JsonParseException | IllegalArgumentException | IllegalStateException | NullPointerException e) {
            log.warn("Ignoring unreadable endpoint snapshot {}: {}", file, e.toString());
            return Optional.empty();
        }
    }

    private static InetAddress literal(String text) throws IOException {
        if (text == null || text.isEmpty() || text.chars().anyMatch(c -> !(Character.digit(c, 16) >= 0 || c == '.' || c == ':'))) {
            throw new IllegalArgumentException("not an IP address: " + text);
        }
        return InetAddress.getByName(text);
    }

    /** {@code savedAt} as ISO-8601 text; a number of epoch seconds is read too. */
    private static final class InstantText extends TypeAdapter<Instant> {

        @Override
        public void write(JsonWriter out, Instant value) throws IOException {
            out.value(value.toString());
        }

        @Override
        public Instant read(JsonReader in) throws IOException {
            if (in.peek() == JsonToken.NUMBER) {
                BigDecimal seconds = new BigDecimal(in.nextString());
                return Instant.ofEpochSecond(seconds.longValue(), seconds.remainder(BigDecimal.ONE).movePointRight(9).intValue());
            }
            try {
                return Instant.parse(in.nextString());
            } catch (java.time.DateTimeException e) {
                throw new JsonParseException("savedAt: " + e.getMessage(), e);
            }
        }
    }
}
