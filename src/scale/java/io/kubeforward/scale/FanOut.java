package io.kubeforward.scale;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Fan-out bookkeeping: every write to the kube-dns slice that changes the endpoints in rotation is a version, with the
 * effective set it produces and the moment the API server acknowledged it; every node reports each set it applies.
 * A node that applies version v has applied every earlier version too (writes are sequential, so a node that skipped a
 * set because two events coalesced got the newer state at that moment). Sets never repeat: every new endpoint has a
 * fresh address.
 */
final class FanOut implements SimulatedNode.Applied {

    private final int nodes;
    private final int capacity;
    private final Map<String, Integer> versionByKey = new ConcurrentHashMap<>();
    private final List<String> labels = new ArrayList<>();
    private final AtomicLongArray ackNanos;
    private final AtomicLongArray appliedNanos; // [node * capacity + version], 0 = not yet
    private final int[] lastApplied;

    FanOut(int nodes, int capacity) {
        this.nodes = nodes;
        this.capacity = capacity;
        this.ackNanos = new AtomicLongArray(capacity);
        this.appliedNanos = new AtomicLongArray(nodes * capacity);
        this.lastApplied = new int[nodes];
        java.util.Arrays.fill(lastApplied, -1);
    }

    /** Registers the set a write is about to produce, before it is sent (a node may see it before the writer does). */
    synchronized int register(String effective, String label) {
        if (labels.size() == capacity) {
            throw new IllegalStateException("more than " + capacity + " versions (raise the capacity)");
        }
        if (versionByKey.containsKey(effective)) {
            throw new IllegalStateException("set seen before: " + effective);
        }
        int version = labels.size();
        labels.add(label);
        versionByKey.put(effective, version);
        return version;
    }

    void acknowledged(int version, long nanos) {
        ackNanos.set(version, nanos);
    }

    @Override
    public void applied(int node, String effective, long nanos) {
        Integer version = versionByKey.get(effective);
        if (version == null || node >= nodes) {
            return; // a set the harness did not write (e.g. none yet)
        }
        synchronized (lastApplied) {
            for (int v = lastApplied[node] + 1; v <= version; v++) {
                appliedNanos.compareAndSet(node * capacity + v, 0, nanos);
            }
            lastApplied[node] = Math.max(lastApplied[node], version);
        }
    }

    /** Nodes that have not applied {@code version} yet. */
    int missing(int version) {
        int missing = 0;
        for (int node = 0; node < nodes; node++) {
            if (appliedNanos.get(node * capacity + version) == 0) {
                missing++;
            }
        }
        return missing;
    }

    /** Waits until every node applied {@code version} or {@code timeout} passed; returns how many had not. */
    int await(int version, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int missing;
        while ((missing = missing(version)) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return missing;
    }

    /** Latencies in ms from the acknowledgement of each of {@code versions} to each node applying it (applied ones only). */
    double[] latenciesMillis(List<Integer> versions) {
        List<Double> out = new ArrayList<>();
        for (int v : versions) {
            long ack = ackNanos.get(v);
            if (ack == 0) {
                throw new IllegalStateException("version " + v + " (" + labels.get(v) + ") was never acknowledged");
            }
            for (int node = 0; node < nodes; node++) {
                long at = appliedNanos.get(node * capacity + v);
                if (at != 0) {
                    out.add((at - ack) / 1e6);
                }
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The moment the last node applied {@code version} (0 if one has not). */
    long lastAppliedNanos(int version) {
        long last = 0;
        for (int node = 0; node < nodes; node++) {
            long at = appliedNanos.get(node * capacity + version);
            if (at == 0) {
                return 0;
            }
            last = Math.max(last, at);
        }
        return last;
    }

    long ackNanos(int version) {
        return ackNanos.get(version);
    }
}
