package io.kubeforward.upstream;

import io.kubeforward.dns.DnsHeader;
import io.kubeforward.dns.ReplyValidator;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * One query in flight to one upstream: what we sent (to validate the reply) and who waits for it.
 * Confined to its event loop; completes exactly once, by reply, failure or timeout.
 */
final class PendingExchange {

    final int upstreamId;
    private final ByteBuf query;
    private final int questionEnd;
    private final ExchangeListener listener;
    final long startNanos;
    private ScheduledFuture<?> timeout;
    private long deadlineNanos;
    private boolean done;
    /** The socket the query left from; only an answer arriving there counts. Set by the sender. */
    io.netty.channel.Channel sentOn;

    PendingExchange(int upstreamId, ByteBuf query, int questionEnd, ExchangeListener listener, long startNanos) {
        this.upstreamId = upstreamId;
        this.query = query;
        this.questionEnd = questionEnd;
        this.listener = listener;
        this.startNanos = startNanos;
    }

    void timeout(ScheduledFuture<?> timeout, long deadlineNanos) {
        this.timeout = timeout;
        this.deadlineNanos = deadlineNanos;
    }

    /** Time left before this exchange times out. */
    long remainingNanos(long nowNanos) {
        return deadlineNanos - nowNanos;
    }

    boolean isDone() {
        return done;
    }

    /** Whether {@code reply} answers this exchange: same ID and same question. */
    boolean isAnsweredBy(ByteBuf reply) {
        return DnsHeader.id(reply) == upstreamId && ReplyValidator.answersQuestion(reply, query, questionEnd);
    }

    ByteBuf query() {
        return query;
    }

    int questionEnd() {
        return questionEnd;
    }

    ExchangeListener listener() {
        return listener;
    }

    /** Completes with a reply (ownership passes on). Returns false, releasing nothing, if already done. */
    boolean succeed(ByteBuf reply) {
        if (done) {
            return false;
        }
        done = true;
        cancelTimeout();
        listener.onReply(reply);
        return true;
    }

    boolean fail(ExchangeFailure failure) {
        if (done) {
            return false;
        }
        done = true;
        cancelTimeout();
        listener.onFailure(failure);
        return true;
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }
}
