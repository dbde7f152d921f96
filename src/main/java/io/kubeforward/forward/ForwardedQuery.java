package io.kubeforward.forward;

import io.kubeforward.dns.DnsHeader;
import io.kubeforward.dns.DnsQuery;
import io.kubeforward.dns.Rcodes;
import io.kubeforward.upstream.ExchangeFailure;
import io.kubeforward.upstream.ExchangeListener;
import io.kubeforward.upstream.Upstream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One client query on its way through the upstreams: the retry loop of CoreDNS's forward plugin, written
 * as callbacks on the query's event loop. Owns the query buffer until it answers.
 */
final class ForwardedQuery implements ExchangeListener {

    private final Forwarder forwarder;
    private final ByteBuf query;
    private final DnsQuery parsed;
    private final ReplyChannel client;
    private final Upstream[] order;
    private final io.kubeforward.upstream.UpstreamSet members;
    /** A prefetch: its answer only feeds the cache, and it is not counted as a client's query. */
    private final boolean background;
    private final long receivedNanos;
    private final long deadlineNanos;
    private final int attemptLimit;
    private int next;
    private int attempts;
    private boolean forceTcp;
    private Upstream current;
    private long attemptStartNanos;

    ForwardedQuery(Forwarder forwarder, ByteBuf query, DnsQuery parsed, ReplyChannel client, Upstream[] order,
            io.kubeforward.upstream.UpstreamSet members, long receivedNanos, boolean background) {
        this.members = members;
        this.background = background;
        this.forwarder = forwarder;
        this.query = query;
        this.parsed = parsed;
        this.client = client;
        this.order = order;
        this.receivedNanos = receivedNanos;
        this.deadlineNanos = receivedNanos + forwarder.deadlineNanos;
        this.attemptLimit = forwarder.options.attemptLimit(order.length);
        this.forceTcp = forwarder.options.forceTcp();
    }

    void start() {
        tryNext();
    }

    /** Sends to the next upstream that is not down, wrapping around the order, until attempts or time run out. */
    private void tryNext() {
        long remaining = deadlineNanos - System.nanoTime();
        if (attempts >= attemptLimit || remaining <= 0) {
            fail(Rcodes.SERVFAIL);
            return;
        }
        int maxFails = forwarder.options.maxFails();
        Upstream candidate = null;
        for (int skipped = 0; skipped < order.length; skipped++) {
            Upstream member = order[next++ % order.length];
            if (!member.isDown(maxFails)) {
                candidate = member;
                break;
            }
        }
        if (candidate == null) {
            // Every upstream looks down: assume health checking is what is broken (CoreDNS), unless told to fail fast.
            forwarder.metrics.allUpstreamsDown();
            if (forwarder.options.failfastAllUnhealthyUpstreams()) {
                fail(Rcodes.SERVFAIL);
                return;
            }
            candidate = order[ThreadLocalRandom.current().nextInt(order.length)];
        }
        send(candidate, remaining);
    }

    private void send(Upstream upstream, long remainingNanos) {
        attempts++;
        current = upstream;
        attemptStartNanos = System.nanoTime();
        upstream.started();
        boolean tcp = useTcp();
        long ceiling = Math.min(forwarder.options.readTimeout().toNanos(), remainingNanos);
        long timeout = lastChance() ? ceiling : upstream.attemptTimeoutNanos(tcp, ceiling);
        upstream.exchange(client.loop(), query, parsed.questionEnd(), tcp, timeout, this);
    }

    /**
     * Whether the attempt just counted waits the full {@code read_timeout} rather than the upstream's adaptive
     * timeout: once every upstream has had a short attempt, or when no attempt follows. An answer that is merely
     * slower than every estimate (a cold cache upstream) still arrives, and its round trip corrects the estimate.
     */
    private boolean lastChance() {
        return attempts > order.length || attempts >= attemptLimit;
    }

    private boolean useTcp() {
        if (forceTcp) {
            return true;
        }
        return !forwarder.options.preferUdp() && client.isTcp();
    }

    @Override
    public void onReply(ByteBuf reply) {
        int rcode = DnsHeader.rcode(reply);
        long elapsed = System.nanoTime() - attemptStartNanos;
        current.finished(rcode, elapsed, useTcp());
        forwarder.slowAnswers.observe(current, query, parsed, rcode, elapsed);
        if (DnsHeader.isTruncated(reply) && !useTcp() && forwarder.options.preferUdp()) {
            // prefer_udp: a truncated UDP reply is asked again over TCP, of the same upstream.
            reply.release();
            forceTcp = true;
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining > 0) {
                send(current, remaining);
            } else {
                fail(Rcodes.SERVFAIL);
            }
            return;
        }
        if (forwarder.options.failover().contains(rcode) && attempts < attemptLimit && attempts < order.length) {
            reply.release();
            tryNext();
            return;
        }
        answer(reply, rcode);
    }

    @Override
    public void onFailure(ExchangeFailure failure) {
        current.finished(-1, System.nanoTime() - attemptStartNanos, useTcp());
        if (forwarder.queryLog.logsErrors()) {
            forwarder.queryLog.failed("upstream " + current + ": " + failure);
        }
        if (forwarder.options.maxFails() > 0) {
            forwarder.healthChecker.ifPresent(checker -> checker.exchangeFailed(current));
        }
        tryNext();
    }

    private void answer(ByteBuf reply, int rcode) {
        if (forwarder.cache.isPresent()) {
            forwarder.cache.get().store(query, parsed, reply);
            if (rcode != Rcodes.NOERROR && rcode != Rcodes.NXDOMAIN && !background && answerStale()) {
                reply.release();
                return;
            }
        }
        if (forwarder.zoneAware() && !background) {
            forwarder.metrics.answeredFrom(members.isPreferred(current));
        }
        DnsHeader.setId(reply, parsed.id());
        ByteBuf fitted = client.isTcp() ? reply : Truncation.fit(ByteBufAllocator.DEFAULT, reply, parsed.udpPayloadSize());
        int size = fitted.readableBytes();
        client.reply(fitted);
        if (!background) {
            long elapsed = System.nanoTime() - receivedNanos;
            forwarder.metrics.response(rcode, elapsed);
            forwarder.queryLog.answered(client.isTcp() ? "tcp" : "udp", client.remote(), query, parsed, rcode, elapsed, size);
        }
        query.release();
        forwarder.finished();
    }

    /** serve_stale: when forwarding failed, an expired answer within the stale window beats SERVFAIL. */
    private boolean answerStale() {
        if (forwarder.cache.isEmpty()
                || !(forwarder.cache.get().staleAnswer(ByteBufAllocator.DEFAULT, query, parsed) instanceof io.kubeforward.cache.CacheLookup.Hit hit)) {
            return false;
        }
        ByteBuf reply = hit.reply();
        int rcode = DnsHeader.rcode(reply);
        client.reply(client.isTcp() ? reply : Truncation.fit(ByteBufAllocator.DEFAULT, reply, parsed.udpPayloadSize()));
        query.release();
        forwarder.finished();
        forwarder.metrics.response(rcode, System.nanoTime() - receivedNanos);
        return true;
    }

    private void fail(int rcode) {
        if (!background && answerStale()) {
            return;
        }
        forwarder.finished();
        if (background) {
            query.release();
            return;
        }
        if (forwarder.queryLog.logsErrors()) {
            forwarder.queryLog.failed("no answer after " + attempts + " attempt(s); answering " + Rcodes.name(rcode));
        }
        forwarder.answerError(query, parsed, client, rcode, receivedNanos);
    }
}
