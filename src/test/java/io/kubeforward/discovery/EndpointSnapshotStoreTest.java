package io.kubeforward.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The endpoint snapshot on disk: written and read back, the earlier releases' files read, bad files ignored. */
class EndpointSnapshotStoreTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T19:00:00.5Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private EndpointSnapshotStore store(String service) {
        return new EndpointSnapshotStore(dir.resolve("kube-dns.json"), service, "dns", CLOCK);
    }

    @Test
    void whatIsSavedIsLoaded() throws Exception {
        EndpointSet set = new EndpointSet(List.of(
                new DiscoveredEndpoint(InetAddress.getByName("10.0.0.2"), 53, true, true, false, "zone-a", "node-1", "kube-dns-abc", List.of("zone-a")),
                new DiscoveredEndpoint(InetAddress.getByName("fd00::3"), 53, false, true, true, "", "", "kube-dns-def", List.of())));
        store("kube-system/kube-dns").save(set);
        assertThat(Files.readString(dir.resolve("kube-dns.json"))).contains("\"savedAt\":\"2026-12-02T19:00:00.500Z\"");
        assertThat(store("kube-system/kube-dns").load()).contains(set);
    }

    @Test
    void aFileOfTheEarlierReleasesIsRead() throws Exception {
        // As the releases before 2026-12-02 wrote it (Jackson 3): same fields, same order.
        Files.writeString(dir.resolve("kube-dns.json"), """
                {"format":1,"service":"kube-system/kube-dns","port":"dns","savedAt":"2026-12-01T10:00:00.123456Z","endpoints":[\
                {"address":"10.0.0.2","port":53,"ready":true,"serving":true,"terminating":false,"zone":"zone-a","nodeName":"node-1",\
                "slice":"kube-dns-abc","hints":["zone-a"]}]}""");
        EndpointSet set = store("kube-system/kube-dns").load().orElseThrow();
        assertThat(set.endpoints()).containsExactly(new DiscoveredEndpoint(InetAddress.getByName("10.0.0.2"), 53, true, true, false, "zone-a",
                "node-1", "kube-dns-abc", List.of("zone-a")));
    }

    @Test
    void anotherServicesFileOrAnUnreadableOneIsIgnored() throws Exception {
        store("kube-system/kube-dns").save(new EndpointSet(List.of(
                new DiscoveredEndpoint(InetAddress.getByName("10.0.0.2"), 53, true, true, false, "", "", "s", List.of()))));
        assertThat(store("other/dns").load()).isEmpty();
        for (String content : new String[] {"", "{", "null", "[]", "{\"format\":1}", "{\"format\":1,\"service\":\"kube-system/kube-dns\","
            + "\"port\":\"dns\",\"savedAt\":\"yesterday\",\"endpoints\":[]}", "{\"format\":1,\"service\":\"kube-system/kube-dns\",\"port\":\"dns\","
            + "\"endpoints\":[{\"address\":\"example.org\",\"port\":53}]}", "\u0000\u00ff"}) {
            Files.writeString(dir.resolve("kube-dns.json"), content);
            assertThat(store("kube-system/kube-dns").load()).as(content).isEmpty();
        }
    }
}
