package io.kubeforward.cache;

import io.kubeforward.dns.DnsHeader;
import io.kubeforward.dns.WireNames;
import io.kubeforward.dns.Rcodes;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import java.util.Optional;

/**
 * Walks an upstream's reply once, at insert time, in place: classifies it (RFC 2308 and CoreDNS's rules),
 * finds the smallest TTL that bounds its lifetime, and records where every TTL field is so a hit can rewrite
 * them without parsing. Anything it cannot walk safely is simply not cached.
 */
final class ReplyInspector {

    private static final int TYPE_SOA = 6;
    private static final int TYPE_TSIG = 250;
    private static final int TYPE_ANY = 255;
    private static final int SOA_FIXED_FIELDS = 20;
    /** The shortest record: a one-byte (root) name, type, class, TTL and RDLENGTH, no data. */
    private static final int MIN_RECORD_LENGTH = 11;
    private static final int MAX_LABEL_LENGTH = 63;
    /** Labels and pointers followed in one name before it counts as a loop: 127 labels fit in 255 octets. */
    private static final int MAX_NAME_STEPS = 255;
    /** CoreDNS's lifetime for a reply without any record (its MinimalDefaultTTL), before min/max clamping. */
    static final long NO_RECORD_TTL = 5;

    private ReplyInspector() {
    }

    /**
     * What is known about a cacheable reply.
     *
     * @param kind         which cache it belongs to
     * @param ttl          seconds: the smallest record TTL, with the SOA MINIMUM for denials
     *                     ({@link #NO_RECORD_TTL} when there is no record)
     * @param ttlOffsets   offsets (from the message start) of the TTL field of every record but the OPT
     * @param storedLength bytes to keep: the message without its OPT record, which is always the last one
     * @param hasOpt       whether the reply carries an OPT record (then ARCOUNT counts it)
     */
    record Inspection(ReplyKind kind, long ttl, int[] ttlOffsets, int storedLength, boolean hasOpt) {
    }

    /**
     * @param reply       an upstream's reply whose question was already checked against the query
     * @param questionEnd offset just past the question
     * @param qtype       the question type
     * @return empty when the reply is not cached: truncated, not a QUERY response, an rcode other than NOERROR,
     *         NXDOMAIN or SERVFAIL, an extended rcode, a TSIG, an OPT that is not last, a malformed record,
     *         an NXDOMAIN without SOA, or a NOERROR whose answer does not answer and carries no SOA
     */
    static Optional<Inspection> inspect(ByteBuf reply, int questionEnd, int qtype) {
        int flags = DnsHeader.flags(reply);
        if ((flags & DnsHeader.FLAG_QR) == 0 || DnsHeader.opcode(flags) != 0 || (flags & DnsHeader.FLAG_TC) != 0
                || DnsHeader.questionCount(reply) != 1) {
            return Optional.empty();
        }
        int records = DnsHeader.answerCount(reply) + DnsHeader.authorityCount(reply) + DnsHeader.additionalCount(reply);
        if (records > (reply.readableBytes() - questionEnd) / MIN_RECORD_LENGTH) {
            // More records claimed than the bytes can hold: malformed, and not worth an offsets array sized by the claim.
            return Optional.empty();
        }
        Walk walk = new Walk(reply, qtype);
        if (!walk.records(questionEnd)) {
            return Optional.empty();
        }
        int rcode = flags & 0xF;
        ReplyKind kind;
        long ttl = walk.ttlOffsetCount == 0 ? NO_RECORD_TTL : walk.minTtl;
        if (rcode == Rcodes.SERVFAIL) {
            kind = ReplyKind.SERVFAIL;
        } else if (rcode == Rcodes.NOERROR && walk.answersQuestion) {
            kind = ReplyKind.SUCCESS;
        } else if ((rcode == Rcodes.NOERROR || rcode == Rcodes.NXDOMAIN) && walk.soaMinimum >= 0) {
            kind = ReplyKind.DENIAL;
            ttl = Math.min(ttl, walk.soaMinimum);
        } else if (rcode == Rcodes.NOERROR && DnsHeader.answerCount(reply) == 0) {
            kind = ReplyKind.SUCCESS; // empty NOERROR without SOA (a referral, or data outside the answer): as CoreDNS
        } else {
            return Optional.empty();
        }
        return Optional.of(new Inspection(kind, ttl, Arrays.copyOf(walk.ttlOffsets, walk.ttlOffsetCount),
                walk.storedLength, walk.hasOpt));
    }

    /** The state of one pass over the records. */
    private static final class Walk {

        private final ByteBuf msg;
        private final int base;
        private final int length;
        private final int qtype;
        private final int answers;
        private final int authorities;
        private final int total;
        final int[] ttlOffsets;
        /** Where every owner name and every name inside RDATA of RFC 1035's types starts: three per record at most. */
        private final int[] nameOffsets;
        private int nameCount;
        int ttlOffsetCount;
        long minTtl = Long.MAX_VALUE;
        long soaMinimum = -1;
        boolean answersQuestion;
        boolean hasOpt;
        int storedLength;

        Walk(ByteBuf msg, int qtype) {
            this.msg = msg;
            this.base = msg.readerIndex();
            this.length = msg.readableBytes();
            this.qtype = qtype;
            this.answers = DnsHeader.answerCount(msg);
            this.authorities = DnsHeader.authorityCount(msg);
            this.total = answers + authorities + DnsHeader.additionalCount(msg);
            this.ttlOffsets = new int[total];
            this.nameOffsets = new int[3 * total];
        }

        /** @return false when a record is malformed or makes the reply uncacheable */
        boolean records(int questionEnd) {
            int offset = questionEnd;
            for (int i = 0; i < total; i++) {
                if (hasOpt) {
                    return false; // the OPT must be last, so that cutting it off moves no other record
                }
                int afterName = skipName(offset);
                if (afterName < 0 || afterName + 10 > length) {
                    return false;
                }
                int type = msg.getUnsignedShort(base + afterName);
                int end = afterName + 10 + msg.getUnsignedShort(base + afterName + 8);
                if (end > length || type == TYPE_TSIG) {
                    return false;
                }
                if (type == WireNames.TYPE_OPT) {
                    // A non-zero extended rcode (e.g. BADVERS) is not an rcode we cache.
                    if (i < answers + authorities || msg.getUnsignedByte(base + afterName + 4) != 0) {
                        return false;
                    }
                    hasOpt = true;
                    storedLength = offset;
                } else {
                    nameOffsets[nameCount++] = offset;
                    if (!rdataNames(type, afterName + 10, end)) {
                        return false;
                    }
                    record(i, type, afterName, end);
                }
                offset = end;
            }
            if (!hasOpt) {
                storedLength = offset;
            }
            for (int k = 0; k < nameCount; k++) {
                if (!nameIsStable(nameOffsets[k])) {
                    return false;
                }
            }
            return true;
        }

        /**
         * Notes the names in the RDATA of the types that RFC 1035 lets a server compress (RFC 3597 section 4);
         * false when such a name runs past the record.
         */
        private boolean rdataNames(int type, int rdata, int end) {
            int first = switch (type) {
                case 2, 3, 4, 5, 6, 7, 8, 9, 12, 14 -> rdata; // NS MD MF CNAME SOA MB MG MR PTR MINFO
                case 15 -> rdata + 2; // MX: after the preference
                default -> -1;
            };
            if (first < 0) {
                return true;
            }
            int firstEnd = first < end ? WireNames.skip(msg, base, end, first) : -1;
            if (firstEnd < 0) {
                return false;
            }
            nameOffsets[nameCount++] = first;
            if (type == 6 || type == 14) { // SOA: MNAME RNAME; MINFO: RMAILBX EMAILBX
                int secondEnd = firstEnd < end ? WireNames.skip(msg, base, end, firstEnd) : -1;
                if (secondEnd < 0) {
                    return false;
                }
                nameOffsets[nameCount++] = firstEnd;
            }
            return true;
        }

        /**
         * Whether the name at {@code offset}, compression pointers followed, stays within the stored bytes and
         * off the header and every TTL field: a hit rewrites the ID, flags, record counts and TTLs in place, which
         * must not change a name (a crafted pointer may aim into the header, a TTL field, or the OPT record that is
         * not stored).
         */
        private boolean nameIsStable(int offset) {
            for (int hops = 0; hops < MAX_NAME_STEPS; hops++) {
                if (offset < io.kubeforward.dns.DnsHeader.LENGTH || offset >= storedLength) {
                    return false;
                }
                int labelLength = msg.getUnsignedByte(base + offset);
                boolean pointer = (labelLength & 0xC0) == 0xC0;
                int size = pointer ? 2 : 1 + labelLength;
                if (labelLength > MAX_LABEL_LENGTH && !pointer || offset + size > storedLength || overlapsTtl(offset, size)) {
                    return false;
                }
                if (labelLength == 0) {
                    return true;
                }
                offset = pointer ? (labelLength & 0x3F) << 8 | msg.getUnsignedByte(base + offset + 1) : offset + size;
            }
            return false; // a pointer loop
        }

        /** Whether bytes {@code [from, from + size)} touch a TTL field; the offsets ascend, so binary search. */
        private boolean overlapsTtl(int from, int size) {
            int low = 0;
            int high = ttlOffsetCount - 1;
            while (low <= high) { // the first TTL field ending after from
                int mid = (low + high) >>> 1;
                if (ttlOffsets[mid] + 4 <= from) {
                    low = mid + 1;
                } else {
                    high = mid - 1;
                }
            }
            return low < ttlOffsetCount && ttlOffsets[low] < from + size;
        }

        private void record(int index, int type, int afterName, int end) {
            ttlOffsets[ttlOffsetCount++] = afterName + 4;
            minTtl = Math.min(minTtl, ttl(afterName + 4));
            if (index < answers && (type == qtype || qtype == TYPE_ANY)) {
                answersQuestion = true;
            }
            if (index >= answers && index < answers + authorities && type == TYPE_SOA
                    && end - (afterName + 10) >= SOA_FIXED_FIELDS) {
                // RFC 2308 section 5: the negative TTL is the smaller of the SOA's TTL and its MINIMUM field.
                long minimum = ttl(end - 4);
                soaMinimum = soaMinimum < 0 ? minimum : Math.min(soaMinimum, minimum);
            }
        }

        /** A TTL field; RFC 2181 section 8: a value with the top bit set is treated as zero. */
        private long ttl(int offset) {
            long value = msg.getUnsignedInt(base + offset);
            return value > Integer.MAX_VALUE ? 0 : value;
        }

        private int skipName(int offset) {
            return WireNames.skip(msg, base, length, offset);
        }
    }
}
