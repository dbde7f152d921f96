package io.kubeforward.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Builds the few messages the server writes itself: error answers and health-check probes. */
public final class DnsMessages {

    private static final int TYPE_NS = 2;
    private static final int CLASS_IN = 1;

    private DnsMessages() {
    }

    /**
     * An answer carrying only {@code rcode}: the query's header and question, QR set, RD and CD copied,
     * RA set, no records. The caller owns the returned buffer.
     */
    public static ByteBuf errorReply(ByteBufAllocator alloc, ByteBuf query, DnsQuery parsed, int rcode) {
        int questionEnd = parsed.questionEnd();
        ByteBuf reply = alloc.buffer(questionEnd);
        reply.writeBytes(query, query.readerIndex(), questionEnd);
        int flags = DnsHeader.FLAG_QR | DnsHeader.FLAG_RA | (parsed.flags() & (DnsHeader.FLAG_RD | DnsHeader.FLAG_CD)) | (rcode & 0xF);
        reply.setShort(2, flags);
        reply.setShort(4, 1);
        reply.setShort(6, 0);
        reply.setShort(8, 0);
        reply.setShort(10, 0);
        return reply;
    }

    /**
     * An error answer for a query whose question could not be read: the header only, QDCOUNT 0.
     * The caller owns the returned buffer.
     */
    public static ByteBuf headerOnlyReply(ByteBufAllocator alloc, ByteBuf query, int rcode) {
        ByteBuf reply = alloc.buffer(DnsHeader.LENGTH);
        reply.writeShort(DnsHeader.id(query));
        int flags = DnsHeader.FLAG_QR | (DnsHeader.flags(query) & (DnsHeader.FLAG_RD | DnsHeader.FLAG_CD | 0x7800)) | (rcode & 0xF);
        reply.writeShort(flags);
        reply.writeZero(8);
        return reply;
    }

    /** Wire form of a normalized name ({@code "cluster.local."} or {@code "."}), lower case. */
    public static byte[] encodeName(String normalizedName) {
        if (normalizedName.equals(".")) {
            return new byte[] {0};
        }
        String[] labels = normalizedName.substring(0, normalizedName.length() - 1).split("\\.", -1);
        int size = 1;
        for (String label : labels) {
            size += 1 + label.length();
        }
        byte[] wire = new byte[size];
        int pos = 0;
        for (String label : labels) {
            byte[] bytes = label.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            if (bytes.length == 0 || bytes.length > 63) {
                throw new IllegalArgumentException("bad label in " + normalizedName);
            }
            wire[pos++] = (byte) bytes.length;
            System.arraycopy(bytes, 0, wire, pos, bytes.length);
            pos += bytes.length;
        }
        wire[pos] = 0;
        return wire;
    }

    /** A {@code <name> IN NS} query with ID 0 (the exchange sets its own) for health checks. */
    public static byte[] probeQuery(String normalizedName, boolean recursionDesired) {
        byte[] name = encodeName(normalizedName);
        byte[] query = new byte[DnsHeader.LENGTH + name.length + 4];
        int flags = recursionDesired ? DnsHeader.FLAG_RD : 0;
        query[2] = (byte) (flags >>> 8);
        query[3] = (byte) flags;
        query[5] = 1;
        System.arraycopy(name, 0, query, DnsHeader.LENGTH, name.length);
        int p = DnsHeader.LENGTH + name.length;
        query[p + 1] = TYPE_NS;
        query[p + 3] = CLASS_IN;
        return query;
    }
}
