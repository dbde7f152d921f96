package io.kubeforward.forward;

import io.kubeforward.dns.DnsMessages;
import io.kubeforward.dns.DnsQuery;
import io.kubeforward.dns.Rcodes;
import io.kubeforward.dns.ZoneTable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Picks the rule for a query arriving on one listening socket: the server block whose zone is the
 * longest suffix of the name (REFUSED when none), REFUSED when the block's acl blocks the client, then its
 * forward rule if the name is under the rule's {@code from} and not under an {@code except} (SERVFAIL
 * otherwise, as CoreDNS with no next plugin).
 */
public final class QueryRouter {

    /** A zone served on this socket, who may ask, and what answers it. */
    public record Route(String zone, Optional<Forwarder> forwarder, String from, List<String> except, ClientFilter clients) {

        /** A route that answers every client. */
        public Route(String zone, Optional<Forwarder> forwarder, String from, List<String> except) {
            this(zone, forwarder, from, except, ClientFilter.ALLOW_ALL);
        }
    }

    private final ZoneTable zones;
    private final Route[] routes;
    private final ZoneTable[] from;
    private final ZoneTable[] except;

    public QueryRouter(List<Route> routes) {
        this.routes = routes.toArray(Route[]::new);
        List<String> names = new ArrayList<>();
        this.from = new ZoneTable[this.routes.length];
        this.except = new ZoneTable[this.routes.length];
        for (int i = 0; i < this.routes.length; i++) {
            Route route = this.routes[i];
            names.add(route.zone());
            from[i] = new ZoneTable(List.of(route.from()));
            except[i] = new ZoneTable(route.except());
        }
        this.zones = new ZoneTable(names);
    }

    public List<Route> routes() {
        return List.of(routes);
    }

    /** Answers {@code query} (ownership passes), by forwarding it or with an error rcode. */
    public void route(ByteBuf query, DnsQuery parsed, ReplyChannel client, long receivedNanos) {
        int index = zones.longestMatch(query, parsed.nameEnd());
        if (index < 0) {
            answer(query, parsed, client, Rcodes.REFUSED);
            return;
        }
        Route route = routes[index];
        if (!route.clients().allows(client.remote())) {
            answer(query, parsed, client, Rcodes.REFUSED);
            return;
        }
        if (route.forwarder().isEmpty() || !from[index].contains(query, parsed.nameEnd())
                || except[index].contains(query, parsed.nameEnd())) {
            answer(query, parsed, client, Rcodes.SERVFAIL);
            return;
        }
        route.forwarder().get().forward(query, parsed, client, receivedNanos);
    }

    private static void answer(ByteBuf query, DnsQuery parsed, ReplyChannel client, int rcode) {
        try {
            client.reply(DnsMessages.errorReply(ByteBufAllocator.DEFAULT, query, parsed, rcode));
        } finally {
            query.release();
        }
    }
}
