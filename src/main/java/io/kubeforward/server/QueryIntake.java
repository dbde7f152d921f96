package io.kubeforward.server;

import io.kubeforward.dns.DnsMessages;
import io.kubeforward.dns.DnsQuery;
import io.kubeforward.dns.MalformedMessageException;
import io.kubeforward.dns.QueryParser;
import io.kubeforward.forward.QueryRouter;
import io.kubeforward.forward.ReplyChannel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** The step shared by UDP and TCP: read the query, answer what is malformed, route the rest. */
final class QueryIntake {

    private final QueryRouter router;
    private final ListenerMetrics metrics;

    QueryIntake(QueryRouter router, ListenerMetrics metrics) {
        this.router = router;
        this.metrics = metrics;
    }

    /** Takes ownership of {@code query}. */
    void accept(ByteBuf query, ReplyChannel client) {
        long receivedNanos = System.nanoTime();
        DnsQuery parsed;
        try {
            parsed = QueryParser.parse(query);
        } catch (MalformedMessageException e) {
            metrics.malformed(client.isTcp());
            try {
                if (e.rcode() != MalformedMessageException.DROP) {
                    client.reply(DnsMessages.headerOnlyReply(ByteBufAllocator.DEFAULT, query, e.rcode()));
                }
            } finally {
                query.release();
            }
            return;
        }
        router.route(query, parsed, client, receivedNanos);
    }
}
