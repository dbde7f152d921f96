package io.kubeforward.forward;

import io.kubeforward.dns.DnsQuery;
import io.kubeforward.dns.Rcodes;
import io.kubeforward.dns.WireNames;
import io.netty.buffer.ByteBuf;
import java.net.SocketAddress;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Type;

/**
 * The {@code log} and {@code errors} directives: one line per answered query when {@code log} is on;
 * forwarding failures when {@code errors} is on, at most one line per second per rule with a count of
 * the ones suppressed, so a failing upstream cannot flood the log. Each line's fields are also key-value pairs, which
 * structured logging ({@code logging.structured.format.console}) writes as JSON fields.
 */
public final class QueryLog {

    private static final Logger queries = LoggerFactory.getLogger("io.kubeforward.querylog");
    private static final Logger errors = LoggerFactory.getLogger("io.kubeforward.errors");

    private final String zone;
    private final boolean logQueries;
    private final boolean logErrors;
    private final LogRate errorRate = new LogRate(1, Duration.ofSeconds(1), System::nanoTime);

    public QueryLog(String zone, boolean logQueries, boolean logErrors) {
        this.zone = zone;
        this.logQueries = logQueries;
        this.logErrors = logErrors;
    }

    public static QueryLog off() {
        return new QueryLog("", false, false);
    }

    /** The block's name in log lines, {@code ZONE:PORT}. */
    String zone() {
        return zone;
    }

    public boolean logsQueries() {
        return logQueries;
    }

    /** Whether failures are logged: callers skip building the message otherwise. */
    boolean logsErrors() {
        return logErrors;
    }

    /** One answered query; {@code query} is still the caller's. */
    void answered(String proto, SocketAddress client, ByteBuf query, DnsQuery parsed, int rcode, long elapsedNanos, int size) {
        if (!logQueries || !queries.isInfoEnabled()) {
            return;
        }
        String name = WireNames.text(query, query.readerIndex(), query.readableBytes(), DnsQuery.NAME_START);
        String type = Type.string(parsed.qtype());
        queries.atInfo()
                .addKeyValue("kubeforward.zone", zone)
                .addKeyValue("network.transport", proto)
                .addKeyValue("client.address", String.valueOf(client))
                .addKeyValue("dns.question.name", name)
                .addKeyValue("dns.question.type", type)
                .addKeyValue("dns.response_code", Rcodes.name(rcode))
                .addKeyValue("kubeforward.response_bytes", size)
                .addKeyValue("event.duration", elapsedNanos)
                .log("{} {} {} {} {} rcode={} size={} {}µs", zone, proto, client, name, type, Rcodes.name(rcode), size,
                        elapsedNanos / 1000);
    }

    void failed(String what) {
        if (!logErrors) {
            return;
        }
        long held = errorRate.acquire();
        if (held >= 0) {
            errors.atWarn().addKeyValue("kubeforward.zone", zone).addKeyValue("kubeforward.held_back", held)
                    .log("{}: {}{}", zone, what, held > 0 ? " (" + held + " similar errors suppressed)" : "");
        }
    }
}
