package io.kubeforward.dns;

import io.netty.buffer.ByteBuf;

/** Offsets and bit masks of the 12-byte DNS header (RFC 1035 4.1.1), read and written in place. */
public final class DnsHeader {

    public static final int LENGTH = 12;
    public static final int FLAG_QR = 0x8000;
    public static final int FLAG_AA = 0x0400;
    public static final int FLAG_TC = 0x0200;
    public static final int FLAG_RD = 0x0100;
    public static final int FLAG_RA = 0x0080;
    public static final int FLAG_CD = 0x0010;
    private static final int OPCODE_MASK = 0x7800;
    private static final int RCODE_MASK = 0x000F;

    private DnsHeader() {
    }

    public static int id(ByteBuf msg) {
        return msg.getUnsignedShort(msg.readerIndex());
    }

    public static void setId(ByteBuf msg, int id) {
        msg.setShort(msg.readerIndex(), id);
    }

    public static int flags(ByteBuf msg) {
        return msg.getUnsignedShort(msg.readerIndex() + 2);
    }

    public static int opcode(int flags) {
        return (flags & OPCODE_MASK) >>> 11;
    }

    public static int rcode(ByteBuf msg) {
        return flags(msg) & RCODE_MASK;
    }

    public static boolean isResponse(ByteBuf msg) {
        return (flags(msg) & FLAG_QR) != 0;
    }

    public static boolean isTruncated(ByteBuf msg) {
        return (flags(msg) & FLAG_TC) != 0;
    }

    public static int questionCount(ByteBuf msg) {
        return msg.getUnsignedShort(msg.readerIndex() + 4);
    }

    public static int answerCount(ByteBuf msg) {
        return msg.getUnsignedShort(msg.readerIndex() + 6);
    }

    public static int authorityCount(ByteBuf msg) {
        return msg.getUnsignedShort(msg.readerIndex() + 8);
    }

    public static int additionalCount(ByteBuf msg) {
        return msg.getUnsignedShort(msg.readerIndex() + 10);
    }
}
