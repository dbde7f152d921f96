package io.kubeforward.scale;

/** One simulated node's discovery: started once, closed once. */
public interface SimulatedNode extends AutoCloseable {

    /** Tells the harness that a node now forwards to {@code effective} (its endpoints in rotation, as host:port). */
    @FunctionalInterface
    interface Applied {
        void applied(int node, String effective, long nanos);
    }

    void start();

    /** Whether the first list has been processed. */
    boolean synced();

    @Override
    void close();
}
