package io.kubeforward.cache;

import io.kubeforward.dns.DnsQuery;
import io.kubeforward.dns.MalformedMessageException;
import io.kubeforward.dns.QueryParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.InetAddress;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The typical node-local traffic for benchmarks: {@code svc-N.team-M.svc.cluster.local. A} queries and their
 * one-address answers (64 to 68 bytes as stored, 11 more with the upstream's OPT), as built by dnsjava.
 */
final class ClusterAnswers {

    /** An OPT record without options: root name, type, class, TTL, RDLENGTH. */
    private static final int OPT_LENGTH = 11;

    private ClusterAnswers() {
    }

    static String name(int i) {
        return "svc-" + i + ".team-" + (i % 50) + ".svc.cluster.local.";
    }

    /** The query for {@link #name(int) name(i)}, with an OPT record when {@code edns}. */
    static Message query(int i, boolean edns) throws IOException {
        Message query = Message.newQuery(Record.newRecord(Name.fromString(name(i)), Type.A, DClass.IN));
        query.getHeader().setID(i & 0xFFFF);
        if (edns) {
            query.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        }
        return query;
    }

    /** The upstream's answer to {@code query}: one address, TTL {@code ttl}, and the upstream's own OPT. */
    static Message reply(Message query, int i, long ttl) throws IOException {
        Message reply = new Message(query.getHeader().getID());
        reply.getHeader().setFlag(Flags.QR);
        reply.getHeader().setFlag(Flags.RD);
        reply.getHeader().setFlag(Flags.RA);
        reply.getHeader().setFlag(Flags.AA);
        reply.getHeader().setRcode(Rcode.NOERROR);
        reply.addRecord(query.getQuestion(), Section.QUESTION);
        byte[] address = {10, 96, (byte) (i >>> 8), (byte) i};
        reply.addRecord(new ARecord(query.getQuestion().getName(), DClass.IN, ttl, InetAddress.getByAddress(address)),
                Section.ANSWER);
        reply.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
        return reply;
    }

    static ByteBuf wire(Message message) {
        return Unpooled.wrappedBuffer(message.toWire());
    }

    static DnsQuery parse(ByteBuf query) {
        try {
            return QueryParser.parse(query);
        } catch (MalformedMessageException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Stores the answers for names {@code 0..count-1} in {@code cache}; returns the bytes stored (without OPTs). */
    static long fill(ResponseCache cache, int count, long ttl) throws IOException {
        long stored = 0;
        for (int i = 0; i < count; i++) {
            Message query = query(i, true);
            ByteBuf queryWire = wire(query);
            ByteBuf reply = wire(reply(query, i, ttl));
            stored += reply.readableBytes() - OPT_LENGTH;
            if (!cache.store(queryWire, parse(queryWire), reply)) {
                throw new IllegalStateException("not cached: " + name(i));
            }
        }
        return stored;
    }
}
