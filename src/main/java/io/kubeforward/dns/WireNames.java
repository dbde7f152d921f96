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

    /**
     * Whether the name at {@code offset} reads as a name when its compression pointers are followed: every pointer
     * aims at an earlier position than its own (RFC 1035 4.1.4: "a prior occurrence"), which also rules out loops;
     * labels are at most 63 bytes; the whole name is at most 255 octets; nothing runs past {@code length}.
     */
    public static boolean decompresses(ByteBuf msg, int base, int length, int offset) {
        int octets = 0;
        while (offset < length) {
            int labelLength = msg.getUnsignedByte(base + offset);
            if (labelLength == 0) {
                return octets + 1 <= MAX_NAME_LENGTH;
            }
            if ((labelLength & 0xC0) == 0xC0) {
                if (offset + 2 > length) {
                    return false;
                }
                int target = (labelLength & 0x3F) << 8 | msg.getUnsignedByte(base + offset + 1);
                if (target >= offset) {
                    return false;
                }
                offset = target;
            } else if (labelLength > MAX_LABEL_LENGTH) {
                return false;
            } else {
                octets += 1 + labelLength;
                if (octets + 1 > MAX_NAME_LENGTH) {
                    return false;
                }
                offset += 1 + labelLength;
            }
        }
        return false;
    }

    /**
     * The name at {@code offset} in presentation form, for logs: {@code www.example.org.}, the root as {@code .};
     * a dot or backslash inside a label as {@code \.} / {@code \\}, other bytes outside printable ASCII as
     * {@code \DDD} (RFC 4343). Pointers are followed as {@link #decompresses} allows; a name that does not decompress
     * reads {@code ?}.
     */
    public static String text(ByteBuf msg, int base, int length, int offset) {
        if (!decompresses(msg, base, length, offset)) {
            return "?";
        }
        StringBuilder out = new StringBuilder(64);
        while (true) {
            int labelLength = msg.getUnsignedByte(base + offset);
            if (labelLength == 0) {
                return out.isEmpty() ? "." : out.toString();
            }
            if ((labelLength & 0xC0) == 0xC0) {
                offset = (labelLength & 0x3F) << 8 | msg.getUnsignedByte(base + offset + 1);
                continue;
            }
            for (int i = 1; i <= labelLength; i++) {
                int b = msg.getUnsignedByte(base + offset + i);
                if (b == '.' || b == '\\') {
                    out.append('\\').append((char) b);
                } else if (b < 0x21 || b > 0x7E) {
                    out.append('\\').append(String.format("%03d", b));
                } else {
                    out.append((char) b);
                }
            }
            out.append('.');
            offset += 1 + labelLength;
        }
    }
}
