package io.kubeforward.testing;

import io.kubeforward.dns.DnsQuery;
import io.kubeforward.dns.MalformedMessageException;
import io.kubeforward.dns.QueryParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.xbill.DNS.DNSInput;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The queries the reply fuzz targets pretend to have sent upstream, and how to read their input: the first byte
 * picks one of {@link #SENT}, the rest is the upstream's reply. Seeds: .ci/fuzz-seeds (its SENT list matches).
 */
public final class FuzzQueries {

    /** The ID every sent query carries upstream. */
    public static final int UPSTREAM_ID = 0xBEEF;

    /** One query as sent: its bytes, what the parser read, and its question as dnsjava reads it. */
    public record Sent(byte[] wire, DnsQuery parsed, Name name) {

        public ByteBuf buffer() {
            return Unpooled.wrappedBuffer(wire);
        }
    }

    private static final List<Sent> SENT = List.of(
            sent(DnsTestClient.query("www.example.com.", Type.A)),
            sent(dnssecOk(DnsTestClient.query("Cluster.Local.", Type.AAAA))),
            sent(DnsTestClient.query(".", Type.NS)),
            sent(DnsTestClient.query("a.b.c.d.e.f.g.svc.cluster.local.", Type.SRV)));

    private FuzzQueries() {
    }

    public static Sent sent(byte[] input) {
        return SENT.get((input[0] & 0xFF) % SENT.size());
    }

    public static byte[] reply(byte[] input) {
        return Arrays.copyOfRange(input, 1, input.length);
    }

    /** The question of {@code reply} as dnsjava reads it (following compression), or null when it cannot. */
    public static org.xbill.DNS.Record question(byte[] reply) {
        if (reply.length < 12 || (reply[4] == 0 && reply[5] == 0)) {
            return null;
        }
        try {
            DNSInput in = new DNSInput(reply);
            in.jump(12);
            Name name = new Name(in);
            return org.xbill.DNS.Record.newRecord(name, in.readU16(), in.readU16());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Message dnssecOk(Message query) {
        query.addRecord(new OPTRecord(1232, 0, 0, ExtendedFlags.DO), Section.ADDITIONAL);
        return query;
    }

    private static Sent sent(Message query) {
        query.getHeader().setID(UPSTREAM_ID);
        byte[] wire = query.toWire();
        try {
            return new Sent(wire, QueryParser.parse(Unpooled.wrappedBuffer(wire)), query.getQuestion().getName());
        } catch (MalformedMessageException e) {
            throw new IllegalStateException(e);
        }
    }
}
