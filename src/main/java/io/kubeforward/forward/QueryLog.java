package io.kubeforward.forward;

import io.kubeforward.dns.Rcodes;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code log} and {@code errors} directives: one line per answered query when {@code log} is on;
 * forwarding failures when {@code errors} is on, at most one line per second per rule with a count of
 * the ones suppressed, so a failing upstream cannot flood the log.
 */
public final class QueryLog {

    private static final Logger queries = LoggerFactory.getLogger("io.kubeforward.querylog");
    private static final Logger errors = LoggerFactory.getLogger("io.kubeforward.errors");
    private static final long ERROR_INTERVAL_NANOS = Duration.ofSeconds(1).toNanos();

    private final String zone;
    private final boolean logQueries;
    private final boolean logErrors;
    private final AtomicLong nextErrorNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong suppressed = new AtomicLong();

    public QueryLog(String zone, boolean logQueries, boolean logErrors) {
        this.zone = zone;
        this.logQueries = logQueries;
        this.logErrors = logErrors;
    }

    public static QueryLog off() {
        return new QueryLog("", false, false);
    }

    public boolean logsQueries() {
        return logQueries;
    }

    /** Whether failures are logged: callers skip building the message otherwise. */
    boolean logsErrors() {
        return logErrors;
    }

    void answered(String proto, SocketAddress client, int qtype, int rcode, long elapsedNanos, int size) {
        if (logQueries && queries.isInfoEnabled()) {
            queries.info("{} {} {} qtype={} rcode={} size={} {}µs", zone, proto, client, qtype, Rcodes.name(rcode), size,
                    elapsedNanos / 1000);
        }
    }

    void failed(String what) {
        if (!logErrors) {
            return;
        }
        long now = System.nanoTime();
        long next = nextErrorNanos.get();
        if (now - next >= 0 && nextErrorNanos.compareAndSet(next, now + ERROR_INTERVAL_NANOS)) {
            long dropped = suppressed.getAndSet(0);
            errors.warn("{}: {}{}", zone, what, dropped > 0 ? " (" + dropped + " similar errors suppressed)" : "");
        } else {
            suppressed.incrementAndGet();
        }
    }
}
