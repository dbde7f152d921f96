package io.kubeforward.cache;

import io.kubeforward.dns.DnsQuery;
import io.kubeforward.dns.MalformedMessageException;
import io.kubeforward.dns.QueryParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Builds queries and upstream replies with dnsjava, as wire buffers the cache reads in place. */
final class Messages {

    private Messages() {
    }

    static Name name(String text) {
        try {
            return Name.fromString(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A recursive query for {@code name}/{@code type} IN with ID {@code id}. */
    static Message query(String name, int type, int id) {
        Message query = Message.newQuery(Record.newRecord(name(name), type, DClass.IN));
        query.getHeader().setID(id);
        return query;
    }

    /** {@code query} with an OPT record advertising 1232 bytes, with or without DO. */
    static Message withEdns(Message query, boolean dnssecOk) {
        query.addRecord(new OPTRecord(1232, 0, 0, dnssecOk ? ExtendedFlags.DO : 0), Section.ADDITIONAL);
        return query;
    }

    static Message withCheckingDisabled(Message query) {
        query.getHeader().setFlag(Flags.CD);
        return query;
    }

    /** A reply to {@code query} with {@code rcode}, QR, RA, the query's RD and CD, and its question. */
    static Message reply(Message query, int rcode) {
        Message reply = new Message(query.getHeader().getID());
        reply.getHeader().setFlag(Flags.QR);
        reply.getHeader().setFlag(Flags.RA);
        for (int flag : new int[] {Flags.RD, Flags.CD}) {
            if (query.getHeader().getFlag(flag)) {
                reply.getHeader().setFlag(flag);
            }
        }
        reply.getHeader().setRcode(rcode);
        reply.addRecord(query.getQuestion(), Section.QUESTION);
        return reply;
    }

    static Message add(Message message, int section, Record... records) {
        for (Record record : records) {
            message.addRecord(record, section);
        }
        return message;
    }

    static ARecord a(String name, long ttl, String address) {
        try {
            return new ARecord(name(name), DClass.IN, ttl, InetAddress.getByName(address));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static CNAMERecord cname(String name, long ttl, String target) {
        return new CNAMERecord(name(name), DClass.IN, ttl, name(target));
    }

    /** The SOA of {@code zone} with TTL {@code ttl} and MINIMUM {@code minimum}. */
    static SOARecord soa(String zone, long ttl, long minimum) {
        return new SOARecord(name(zone), DClass.IN, ttl, name("ns1." + zone), name("hostmaster." + zone),
                2024010101L, 7200, 3600, 1209600, minimum);
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

    /** Parses an answer the cache produced, and releases it. */
    static Message read(ByteBuf answer) {
        try {
            byte[] bytes = new byte[answer.readableBytes()];
            answer.getBytes(answer.readerIndex(), bytes);
            return new Message(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            answer.release();
        }
    }

    /** The TTLs of every record in the answer, authority and additional sections but the OPT. */
    static java.util.List<Long> ttls(Message message) {
        java.util.List<Long> ttls = new java.util.ArrayList<>();
        for (int section : new int[] {Section.ANSWER, Section.AUTHORITY, Section.ADDITIONAL}) {
            for (Record record : message.getSection(section)) {
                if (record.getType() != Type.OPT) {
                    ttls.add(record.getTTL());
                }
            }
        }
        return ttls;
    }
}
