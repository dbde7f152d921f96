package io.kubeforward.forward;

import io.kubeforward.cache.CacheLookup;
import io.kubeforward.cache.ResponseCache;
import io.kubeforward.config.ForwardOptions;
import io.kubeforward.dns.DnsMessages;
import io.kubeforward.dns.DnsQuery;
import io.kubeforward.dns.Rcodes;
import io.kubeforward.metrics.ForwardMetrics;
import io.kubeforward.upstream.HealthChecker;
import io.kubeforward.upstream.SelectionPolicy;
import io.kubeforward.upstream.Upstream;
import io.kubeforward.upstream.UpstreamPool;
import io.kubeforward.upstream.UpstreamSet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Forwards the queries of one forward rule to its pool, with CoreDNS {@code forward} semantics: upstreams
 * in policy order, down ones skipped, next upstream on error, per-attempt read timeout and an overall
 * deadline, {@code max_concurrent} answered REFUSED. One {@link ForwardedQuery} carries each query.
 */
public final class Forwarder {

    /** CoreDNS's overall deadline for one query. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(5);

    final ForwardOptions options;
    final UpstreamPool pool;
    final SelectionPolicy policy;
    final ForwardMetrics metrics;
    final Optional<HealthChecker> healthChecker;
    final long deadlineNanos;
    final QueryLog queryLog;
    final Optional<ResponseCache> cache;
    final SlowAnswers slowAnswers;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int maxConcurrent;
    private final int minLocal;

    /**
     * @param minLocal with a zone preference, the healthy zone-local upstreams needed to keep queries local; 0 for none
     * @param cache    the server block's response cache, if it has one
     */
    public Forwarder(ForwardOptions options, UpstreamPool pool, ForwardMetrics metrics, Optional<HealthChecker> healthChecker,
            Duration deadline, QueryLog queryLog, int minLocal, Optional<ResponseCache> cache) {
        this.minLocal = minLocal;
        this.cache = cache;
        this.options = options;
        this.pool = pool;
        this.policy = SelectionPolicy.of(options.policy());
        this.metrics = metrics;
        this.healthChecker = healthChecker;
        this.deadlineNanos = deadline.toNanos();
        this.queryLog = queryLog;
        this.slowAnswers = new SlowAnswers(queryLog.zone(), options, System::nanoTime);
        this.maxConcurrent = options.maxConcurrent().orElse(Integer.MAX_VALUE);
    }

    public UpstreamPool pool() {
        return pool;
    }

    public ForwardOptions options() {
        return options;
    }

    /** Queries of this rule in flight now. */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * Forwards one query. Takes ownership of {@code query}; the answer, whatever happens, goes to {@code client}.
     *
     * @param receivedNanos when the query arrived, for the duration metric
     */
    public void forward(ByteBuf query, DnsQuery parsed, ReplyChannel client, long receivedNanos) {
        metrics.request(client.isTcp(), parsed.qtype());
        if (cache.isPresent() && answerFromCache(query, parsed, client, receivedNanos)) {
            return;
        }
        forwardUpstream(query, parsed, client, receivedNanos, false);
    }

    /** A cache hit is answered here, on the event loop, without touching upstream code. Releases the query on a hit. */
    private boolean answerFromCache(ByteBuf query, DnsQuery parsed, ReplyChannel client, long receivedNanos) {
        if (!(cache.get().lookup(ByteBufAllocator.DEFAULT, query, parsed) instanceof CacheLookup.Hit hit)) {
            return false;
        }
        if (hit.refresh()) {
            // Prefetch (or refresh after an immediate stale answer): forward a copy in the background and store its reply.
            forwardUpstream(query.copy(), parsed, new BackgroundRefresh(client.loop()), System.nanoTime(), true);
        }
        ByteBuf reply = hit.reply();
        int rcode = io.kubeforward.dns.DnsHeader.rcode(reply);
        client.reply(client.isTcp() ? reply : Truncation.fit(ByteBufAllocator.DEFAULT, reply, parsed.udpPayloadSize()));
        query.release();
        metrics.response(rcode, System.nanoTime() - receivedNanos);
        return true;
    }

    private void forwardUpstream(ByteBuf query, DnsQuery parsed, ReplyChannel client, long receivedNanos, boolean background) {
        UpstreamSet members = pool.current();
        if (members.isEmpty()) {
            metrics.noUpstreams();
            answerError(query, parsed, client, Rcodes.SERVFAIL, receivedNanos);
            return;
        }
        if (inFlight.incrementAndGet() > maxConcurrent) {
            inFlight.decrementAndGet();
            metrics.maxConcurrentReject();
            answerError(query, parsed, client, Rcodes.REFUSED, receivedNanos);
            return;
        }
        new ForwardedQuery(this, query, parsed, client, order(members), members, receivedNanos, background).start();
    }

    /**
     * The order to try upstreams: with a zone preference and at least {@code min_local} healthy zone-local
     * upstreams, those first (in policy order) and the others after them as spill-over; otherwise all of them.
     */
    private Upstream[] order(UpstreamSet members) {
        Upstream[] preferred = members.preferred();
        if (preferred.length == 0 || minLocal == 0) {
            return policy.order(members.members());
        }
        int healthy = 0;
        for (Upstream upstream : preferred) {
            if (!upstream.isDown(options.maxFails())) {
                healthy++;
            }
        }
        if (healthy < minLocal) {
            return policy.order(members.members());
        }
        Upstream[] local = policy.order(preferred);
        Upstream[] others = policy.order(members.others());
        Upstream[] order = java.util.Arrays.copyOf(local, local.length + others.length);
        System.arraycopy(others, 0, order, local.length, others.length);
        return order;
    }

    /** Whether queries prefer zone-local upstreams. */
    boolean zoneAware() {
        return minLocal > 0;
    }

    void finished() {
        inFlight.decrementAndGet();
    }

    /** Answers {@code rcode} with the query's question and releases the query. */
    void answerError(ByteBuf query, DnsQuery parsed, ReplyChannel client, int rcode, long receivedNanos) {
        try {
            ByteBuf reply = DnsMessages.errorReply(ByteBufAllocator.DEFAULT, query, parsed, rcode);
            reply.setShort(0, parsed.id());
            client.reply(reply);
            metrics.response(rcode, System.nanoTime() - receivedNanos);
        } finally {
            query.release();
        }
    }
}
