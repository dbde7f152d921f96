package io.kubeforward.forward;

import io.kubeforward.dns.DnsHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import org.xbill.DNS.Message;

/**
 * Makes a reply fit a UDP client's limit (RFC 1035 4.2.1, RFC 6891 6.2.5): whole records are dropped
 * from the end and TC is set. Only replies that do not fit pay for parsing.
 */
final class Truncation {

    private Truncation() {
    }

    /** Returns {@code reply} itself when it fits, else a truncated copy (and releases {@code reply}). */
    static ByteBuf fit(ByteBufAllocator alloc, ByteBuf reply, int maxSize) {
        if (reply.readableBytes() <= maxSize) {
            return reply;
        }
        try {
            byte[] wire = new byte[reply.readableBytes()];
            reply.getBytes(reply.readerIndex(), wire);
            byte[] truncated;
            try {
                truncated = new Message(wire).toWire(maxSize);
            } catch (IOException | RuntimeException unparseable) {
                truncated = headerAndQuestionOnly(wire, maxSize);
            }
            return alloc.buffer(truncated.length).writeBytes(truncated);
        } finally {
            reply.release();
        }
    }

    /** Fallback for a reply dnsjava cannot parse: header with TC and empty sections. */
    private static byte[] headerAndQuestionOnly(byte[] wire, int maxSize) {
        byte[] header = new byte[DnsHeader.LENGTH];
        System.arraycopy(wire, 0, header, 0, DnsHeader.LENGTH);
        header[2] |= (byte) (DnsHeader.FLAG_TC >>> 8);
        for (int i = 4; i < DnsHeader.LENGTH; i++) {
            header[i] = 0;
        }
        return header;
    }
}
