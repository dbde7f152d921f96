package io.kubeforward.discovery;

import io.kubeforward.config.ZonePreference;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Node;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's topology zone for {@code prefer_zone}: fixed in the configuration, or ({@code auto}) from
 * {@code KUBEFORWARD_NODE_ZONE}, else the {@code topology.kubernetes.io/zone} label of the Node named by
 * {@code NODE_NAME} (which needs {@code get} on that node; retried with backoff until it succeeds). Until the
 * zone is known there is no preference.
 */
final class NodeZone {

    static final String ZONE_LABEL = "topology.kubernetes.io/zone";
    private static final Logger log = LoggerFactory.getLogger(NodeZone.class);

    private final ZonePreference preference;
    private volatile Optional<String> zone = Optional.empty();

    NodeZone(ZonePreference preference) {
        this.preference = preference;
        if (preference.mode() == ZonePreference.Mode.FIXED) {
            zone = Optional.of(preference.zone());
        }
    }

    Optional<String> zone() {
        return zone;
    }

    /** Whether {@code endpoint} counts as local: hinted for our zone, or (without hints) located in it. */
    boolean isLocal(DiscoveredEndpoint endpoint) {
        Optional<String> ours = zone;
        if (ours.isEmpty()) {
            return false;
        }
        return endpoint.hintedZones().isEmpty() ? ours.get().equals(endpoint.topologyZone()) : endpoint.hintedZones().contains(ours.get());
    }

    /** For {@code auto}: learns the zone on {@code executor}, then runs {@code learnt}. */
    void resolve(Supplier<ApiClient> client, String nodeName, String nodeZone, ScheduledExecutorService executor, Runnable learnt) {
        if (preference.mode() != ZonePreference.Mode.AUTO) {
            return;
        }
        if (!nodeZone.isEmpty()) {
            learn(nodeZone, "KUBEFORWARD_NODE_ZONE", learnt);
            return;
        }
        if (nodeName.isEmpty()) {
            log.warn("prefer_zone auto: neither NODE_NAME nor KUBEFORWARD_NODE_ZONE is set; no zone preference");
            return;
        }
        Backoff backoff = new Backoff(Backoff.INITIAL, Backoff.MAX);
        executor.execute(new Runnable() {
            @Override
            public void run() {
                try {
                    V1Node node = new CoreV1Api(client.get()).readNode(nodeName).execute();
                    String label = node.getMetadata() == null || node.getMetadata().getLabels() == null ? null
                            : node.getMetadata().getLabels().get(ZONE_LABEL);
                    if (label == null || label.isBlank()) {
                        log.warn("prefer_zone auto: node {} has no {} label; no zone preference", nodeName, ZONE_LABEL);
                        return;
                    }
                    learn(label, "node " + nodeName, learnt);
                } catch (Exception e) {
                    backoff.failed();
                    log.debug("prefer_zone auto: cannot read node {} yet: {}", nodeName, WatchStatus.describe(e));
                    executor.schedule(this, backoff.next().toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        });
    }

    private void learn(String value, String from, Runnable learnt) {
        zone = Optional.of(value);
        log.info("prefer_zone auto: this node is in zone {} (from {})", value, from);
        learnt.run();
    }
}
