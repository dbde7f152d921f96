package io.kubeforward.dns;

import io.netty.buffer.ByteBuf;

/**
 * Reads a client query in place: header checks, the single question, and the EDNS OPT record if any.
 * It rejects what a well-behaved client never sends (compressed or oversized question names, several
 * questions, two OPT records or one not owned by the root, compression loops, records that run past the end) so the rest of
 * the path can trust offsets.
 */
public final class QueryParser {

    private static final int OPCODE_QUERY = 0;
    private static final int MAX_NAME_LENGTH = 255;
    private static final int MAX_LABEL_LENGTH = 63;

    private QueryParser() {
    }

    /**
     * Parses {@code msg} between its reader and writer index without changing either.
     *
     * @throws MalformedMessageException with the rcode to answer, or {@link MalformedMessageException#DROP}
     */
    public static DnsQuery parse(ByteBuf msg) throws MalformedMessageException {
        int base = msg.readerIndex();
        int length = msg.readableBytes();
        if (length < DnsHeader.LENGTH) {
            throw new MalformedMessageException("shorter than a DNS header", MalformedMessageException.DROP);
        }
        int flags = DnsHeader.flags(msg);
        if ((flags & DnsHeader.FLAG_QR) != 0) {
            throw new MalformedMessageException("a response, not a query", MalformedMessageException.DROP);
        }
        if (DnsHeader.opcode(flags) != OPCODE_QUERY) {
            throw new MalformedMessageException("opcode " + DnsHeader.opcode(flags) + " not implemented", Rcodes.NOTIMP);
        }
        if (DnsHeader.questionCount(msg) != 1) {
            throw formErr("question count " + DnsHeader.questionCount(msg) + " (expected: 1)");
        }
        int nameEnd = questionNameEnd(msg, base, length);
        if (nameEnd + 4 > length) {
            throw formErr("question truncated");
        }
        int qtype = msg.getUnsignedShort(base + nameEnd);
        int qclass = msg.getUnsignedShort(base + nameEnd + 2);
        int questionEnd = nameEnd + 4;

        int offset = questionEnd;
        int records = DnsHeader.answerCount(msg) + DnsHeader.authorityCount(msg);
        for (int i = 0; i < records; i++) {
            offset = skipRecord(msg, base, length, offset);
        }
        int udpSize = DnsQuery.MIN_UDP_PAYLOAD;
        boolean edns = false;
        boolean dnssecOk = false;
        int additional = DnsHeader.additionalCount(msg);
        for (int i = 0; i < additional; i++) {
            int nameEndOfRecord = skipName(msg, base, length, offset);
            if (nameEndOfRecord + 10 > length) {
                throw formErr("additional record truncated");
            }
            if (msg.getUnsignedShort(base + nameEndOfRecord) == WireNames.TYPE_OPT) {
                if (edns) {
                    throw formErr("more than one OPT record");
                }
                if (nameEndOfRecord != offset + 1 || msg.getUnsignedByte(base + offset) != 0) {
                    throw formErr("OPT record owner is not the root name"); // RFC 6891 6.1.2
                }
                edns = true;
                udpSize = Math.max(DnsQuery.MIN_UDP_PAYLOAD, msg.getUnsignedShort(base + nameEndOfRecord + 2));
                dnssecOk = (msg.getUnsignedShort(base + nameEndOfRecord + 6) & 0x8000) != 0;
            }
            offset = skipRecord(msg, base, length, offset);
        }
        return new DnsQuery(DnsHeader.id(msg), flags, nameEnd, questionEnd, qtype, qclass, udpSize, edns, dnssecOk);
    }

    /** End offset of the uncompressed question name starting at the header's end. */
    private static int questionNameEnd(ByteBuf msg, int base, int length) throws MalformedMessageException {
        int offset = DnsQuery.NAME_START;
        while (true) {
            if (offset >= length) {
                throw formErr("question name truncated");
            }
            int labelLength = msg.getUnsignedByte(base + offset);
            if (labelLength == 0) {
                offset++;
                break;
            }
            if (labelLength > MAX_LABEL_LENGTH) {
                throw formErr("compressed or extended label in the question");
            }
            offset += 1 + labelLength;
            if (offset - DnsQuery.NAME_START + 1 > MAX_NAME_LENGTH) {
                throw formErr("question name longer than 255 bytes");
            }
        }
        return offset;
    }

    /**
     * Skips a possibly compressed name that must also read whole when its pointers are followed (each to an earlier
     * position, so a loop is refused rather than followed).
     */
    static int skipName(ByteBuf msg, int base, int length, int offset) throws MalformedMessageException {
        int end = WireNames.skip(msg, base, length, offset);
        if (end < 0 || !WireNames.decompresses(msg, base, length, offset)) {
            throw formErr("malformed, truncated or looping name");
        }
        return end;
    }

    static int skipRecord(ByteBuf msg, int base, int length, int offset) throws MalformedMessageException {
        int afterName = skipName(msg, base, length, offset);
        if (afterName + 10 > length) {
            throw formErr("record truncated");
        }
        int rdLength = msg.getUnsignedShort(base + afterName + 8);
        int end = afterName + 10 + rdLength;
        if (end > length) {
            throw formErr("record data runs past the end of the message");
        }
        return end;
    }

    private static MalformedMessageException formErr(String message) {
        return new MalformedMessageException(message, Rcodes.FORMERR);
    }
}
