package io.kubeforward.scale;

import java.util.List;
import java.util.Map;

/** What one run measured, as written to results.json and rendered by {@link Report}. */
final class Results {

    private Results() {
    }

    /**
     * One measurement window.
     *
     * @param serverRequests EndpointSlice requests counted by the API server in the window, by "VERB CODE"
     * @param openWatches    watches of EndpointSlices open at the API server at the end (its own included)
     * @param nodeConnections TCP connections from the simulated nodes to the API server at the end
     */
    record Window(double seconds, double apiCpuPerSecond, double etcdCpuPerSecond, double harnessCpuPerSecond,
            double apiRssMiB, double etcdRssMiB, Map<String, Double> serverRequests, long clientLists, long clientWatches,
            double openWatches, int nodeConnections) {
    }

    /** Start of N nodes: until every one has processed its first list. */
    record Startup(double seconds, long lists, long failedRequests) {
    }

    /**
     * Steady state against the same API server with 0 watchers; rates per node and hour, from the nodes' clients and
     * from the server's counters (the server's rate with 0 watchers subtracted).
     */
    record Steady(Window baseline, Window nodes, double listsPerNodeHour, double watchesPerNodeHour,
            double serverListsPerNodeHour, double serverWatchesPerNodeHour) {
    }

    /** Rolling replacements of the kube-dns endpoints: fan-out latency from the write's acknowledgement. */
    record Churn(int rounds, int poolChanges, int writes, Stats.Latency latency, int missing, Window window, long lists) {
    }

    /**
     * Recovery after the nodes lost their watches (connections cut, API server killed or restarted gracefully).
     *
     * @param downSeconds             from the event to the API server answering again (0 for a cut)
     * @param shutdownSeconds         graceful only: from SIGTERM to the old process exiting
     * @param caughtUpSeconds         from the event to the last node applying a change written once the API server answered
     * @param watchingAgainSeconds    from the event to the last node's watch being open again
     * @param listsPerSecond          LISTs answered in each second after the event (nodes' clients)
     * @param listResourceVersions    LISTs by the resourceVersion they asked for
     * @param serverLists             LISTs the API server counted (since its start, for a restart)
     * @param cacheLists              of them, served from the watch cache
     * @param storageLists            of them, served from etcd
     */
    record Recovery(String scenario, int connectionsCut, double downSeconds, double shutdownSeconds, double caughtUpSeconds,
            double watchingAgainSeconds, Stats.Latency marker, int missing, long lists, long watches, long failedAttempts,
            long tooManyRequests, int maxListsPerSecond, int[] listsPerSecond, Map<String, Long> listResourceVersions,
            double serverLists, double cacheLists, double storageLists, double consistentReads, double openWatchesAfter) {
    }

    record Phase(String kind, int nodes, Startup startup, Steady steady, Churn churn, Recovery blip, Recovery restartKill,
            Recovery restartGraceful, List<String> problems) {
    }

    record Run(Map<String, Object> meta, List<Phase> phases) {
    }
}
