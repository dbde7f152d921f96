package io.kubeforward.upstream;

/** What an upstream's sockets report: a seam so that transport code does not know about Micrometer. */
public interface UpstreamCounters {

    /** A reply from the wrong address, with an unknown ID or the wrong question, or too late. */
    void rejectedReply();

    /** A UDP reply filled its receive slot (it was cut): relayed as header and question with TC set. */
    void oversizedReply();

    /** A pooled TCP/TLS connection was reused ({@code true}) or a new one was dialled. */
    void connectionCache(boolean hit, String proto);

    /** A health-check probe failed. */
    void healthCheckFailed();

    /** A query exchange ended: the reply's rcode, or -1 for a failure. */
    void exchangeFinished(int rcode, long elapsedNanos);

    /** An answer took longer than the forward rule's {@code slow_threshold}. */
    default void slowAnswer() {
    }

    /** The upstream left its pool: release what these counters hold. */
    default void close() {
    }

    UpstreamCounters NONE = new UpstreamCounters() {
        @Override
        public void rejectedReply() {
        }

        @Override
        public void oversizedReply() {
        }

        @Override
        public void connectionCache(boolean hit, String proto) {
        }

        @Override
        public void healthCheckFailed() {
        }

        @Override
        public void exchangeFinished(int rcode, long elapsedNanos) {
        }
    };
}
