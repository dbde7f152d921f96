package io.kubeforward.dns;

import io.netty.buffer.ByteBuf;

/** Walking wire-format names in place (RFC 1035 4.1.4), shared by the query parser and the cache's reply walk. */
public final class WireNames {

    /** Record type of EDNS's OPT pseudo-record (RFC 6891). */
    public static final int TYPE_OPT = 41;
    private static final int MAX_NAME_LENGTH = 255;
    private static final int MAX_LABEL_LENGTH = 63;

    private WireNames() {
    }

    /**
     * Offset just past a possibly compressed name starting at {@code offset}, or -1 when it runs past
     * {@code length}, uses an extended label type or is longer than 255 bytes. Pointers are not followed, so a
     * compression loop cannot hang the caller.
     *
     * @param base   where the message starts in {@code msg}
     * @param length the message's length
     */
    public static int skip(ByteBuf msg, int base, int length, int offset) {
        int start = offset;
        while (offset < length) {
            int labelLength = msg.getUnsignedByte(base + offset);
            if (labelLength == 0) {
                return offset + 1;
            }
            if ((labelLength & 0xC0) == 0xC0) {
                return offset + 2 <= length ? offset + 2 : -1;
            }
            if (labelLength > MAX_LABEL_LENGTH) {
                return -1;
            }
            offset += 1 + labelLength;
            if (offset - start >= MAX_NAME_LENGTH) {
                return -1; // with the terminator (a zero byte, or at least one octet behind a pointer) it would exceed 255
            }
        }
        return -1;
    }
}
