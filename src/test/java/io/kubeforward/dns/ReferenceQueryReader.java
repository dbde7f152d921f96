package io.kubeforward.dns;

/**
 * An independent, deliberately plain reading of a client query over a byte array, written from the rules in
 * {@link QueryParser}'s Javadoc and RFC 1035/6891 rather than from its code. The fuzz target compares the two:
 * same verdict, same fields.
 */
final class ReferenceQueryReader {

    /** What a query reads as: an rcode to answer with (or {@link MalformedMessageException#DROP}), else the fields. */
    record Verdict(int rcode, int nameEnd, int qtype, int qclass, int udpSize, boolean edns, boolean dnssecOk) {

        boolean accepted() {
            return rcode == Rcodes.NOERROR;
        }

        static Verdict reject(int rcode) {
            return new Verdict(rcode, 0, 0, 0, 0, false, false);
        }
    }

    private final byte[] m;

    private ReferenceQueryReader(byte[] message) {
        this.m = message;
    }

    static Verdict read(byte[] message) {
        return new ReferenceQueryReader(message).read();
    }

    private int u8(int at) {
        return m[at] & 0xFF;
    }

    private int u16(int at) {
        return (u8(at) << 8) | u8(at + 1);
    }

    private Verdict read() {
        if (m.length < 12 || (u8(2) & 0x80) != 0) {
            return Verdict.reject(MalformedMessageException.DROP);
        }
        if (((u8(2) >> 3) & 0xF) != 0) {
            return Verdict.reject(Rcodes.NOTIMP);
        }
        if (u16(4) != 1) {
            return Verdict.reject(Rcodes.FORMERR);
        }
        int nameEnd = name(12, false);
        if (nameEnd < 0 || nameEnd + 4 > m.length) {
            return Verdict.reject(Rcodes.FORMERR);
        }
        int at = nameEnd + 4;
        int udpSize = 512;
        boolean edns = false;
        boolean dnssecOk = false;
        int records = u16(6) + u16(8) + u16(10);
        for (int i = 0; i < records; i++) {
            int fixed = name(at, true);
            if (fixed < 0 || fixed + 10 > m.length) {
                return Verdict.reject(Rcodes.FORMERR);
            }
            boolean additional = i >= u16(6) + u16(8);
            if (additional && u16(fixed) == 41) {
                if (edns || fixed != at + 1 || u8(at) != 0) {
                    return Verdict.reject(Rcodes.FORMERR); // a second OPT, or one not owned by the root
                }
                edns = true;
                udpSize = Math.max(512, u16(fixed + 2));
                dnssecOk = (u8(fixed + 6) & 0x80) != 0;
            }
            at = fixed + 10 + u16(fixed + 8);
            if (at > m.length) {
                return Verdict.reject(Rcodes.FORMERR);
            }
        }
        return new Verdict(Rcodes.NOERROR, nameEnd, u16(nameEnd), u16(nameEnd + 2), udpSize, edns, dnssecOk);
    }

    /**
     * End of the name at {@code at} (just past its zero byte or first pointer), or -1. Labels of 1-63 bytes; a
     * pointer (where allowed) aims at an earlier position than its own and is followed; the whole name, followed,
     * fits in 255 octets (RFC 1035 3.1, 4.1.4).
     */
    private int name(int at, boolean pointerAllowed) {
        int octets = 0;
        int end = -1;
        while (at < m.length) {
            int b = u8(at);
            if (b == 0) {
                return octets + 1 <= 255 ? (end < 0 ? at + 1 : end) : -1;
            }
            if (b >= 0xC0 && pointerAllowed) {
                if (at + 2 > m.length) {
                    return -1;
                }
                int target = ((b & 0x3F) << 8) | u8(at + 1);
                if (target >= at) {
                    return -1;
                }
                if (end < 0) {
                    end = at + 2;
                }
                at = target;
                continue;
            }
            if (b > 63) {
                return -1;
            }
            octets += 1 + b;
            if (octets + 1 > 255) {
                return -1;
            }
            at += 1 + b;
        }
        return -1;
    }
}
