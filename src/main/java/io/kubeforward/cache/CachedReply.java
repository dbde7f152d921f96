package io.kubeforward.cache;

import io.kubeforward.dns.DnsHeader;
import io.kubeforward.dns.DnsQuery;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One cached reply: its wire bytes without the OPT record (EDNS is hop-by-hop; each client gets its own), the
 * offsets of its TTL fields, and when it was stored. Immutable but for the prefetch bookkeeping, which is racy
 * on purpose: a lost update only delays or repeats a prefetch decision by one hit.
 */
final class CachedReply {

    private static final int FLAG_AD = 0x0020;
    private static final int TYPE_OPT = 41;
    private static final int OPT_LENGTH = 11;
    /** The UDP payload size we advertise in the OPT record of a cached answer (DNS Flag Day 2020). */
    static final int ADVERTISED_UDP_PAYLOAD = 1232;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final VarHandle REFRESH_UNTIL;

    static {
        try {
            REFRESH_UNTIL = MethodHandles.lookup().findVarHandle(CachedReply.class, "refreshUntilNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final ReplyKind kind;
    private final byte[] wire;
    private final int[] ttlOffsets;
    /** Seconds the entry lives, and the TTL it is served with when {@code keepttl} is set. */
    final int ttlSeconds;
    final long storedNanos;
    final long expiresNanos;
    private volatile long refreshUntilNanos;
    private int hits;
    private long lastHitNanos;

    /**
     * @param reply      the upstream's reply; its bytes are copied
     * @param inspection what {@link ReplyInspector} found in it
     * @param lifetime   how long the entry is fresh, in nanoseconds (whole seconds except for SERVFAIL)
     */
    CachedReply(ByteBuf reply, ReplyInspector.Inspection inspection, long lifetime, long nowNanos) {
        this.kind = inspection.kind();
        this.wire = new byte[inspection.storedLength()];
        reply.getBytes(reply.readerIndex(), wire);
        if (inspection.hasOpt()) {
            int additional = ((wire[10] & 0xFF) << 8 | (wire[11] & 0xFF)) - 1;
            wire[10] = (byte) (additional >>> 8);
            wire[11] = (byte) additional;
        }
        this.ttlOffsets = inspection.ttlOffsets();
        this.ttlSeconds = (int) Math.max(1, (lifetime + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND);
        this.storedNanos = nowNanos;
        this.expiresNanos = nowNanos + lifetime;
        this.refreshUntilNanos = nowNanos;
    }

    boolean isFresh(long nowNanos) {
        return nowNanos - expiresNanos < 0;
    }

    /** Whole seconds left, at least 1 while fresh (CoreDNS: the TTL minus the whole seconds since it was stored). */
    int remainingSeconds(long nowNanos) {
        return (int) (ttlSeconds - (nowNanos - storedNanos) / NANOS_PER_SECOND);
    }

    /**
     * The answer to {@code query}: these bytes with the client's ID, RD bit and question case, {@code ttl} in every
     * TTL field, AD cleared unless the client asked for DNSSEC (DO) or set AD itself (RFC 6840 5.7), and an OPT
     * record when the client sent one. The caller owns the buffer.
     */
    ByteBuf render(ByteBufAllocator alloc, ByteBuf query, DnsQuery parsed, int ttl) {
        boolean edns = parsed.hasEdns();
        ByteBuf out = alloc.buffer(wire.length + (edns ? OPT_LENGTH : 0));
        out.writeBytes(wire);
        out.setShort(0, parsed.id());
        int flags = (wire[2] & 0xFF) << 8 | (wire[3] & 0xFF);
        flags = (flags & ~DnsHeader.FLAG_RD) | (parsed.flags() & DnsHeader.FLAG_RD);
        if (!parsed.dnssecOk() && (parsed.flags() & FLAG_AD) == 0) {
            flags &= ~FLAG_AD;
        }
        out.setShort(2, flags);
        out.setBytes(DnsQuery.NAME_START, query, query.readerIndex() + DnsQuery.NAME_START, parsed.nameEnd() - DnsQuery.NAME_START);
        for (int offset : ttlOffsets) {
            out.setInt(offset, ttl);
        }
        if (edns) {
            out.writeByte(0); // root owner name
            out.writeShort(TYPE_OPT);
            out.writeShort(ADVERTISED_UDP_PAYLOAD);
            out.writeByte(0); // extended rcode
            out.writeByte(0); // EDNS version
            out.writeShort(parsed.dnssecOk() ? 0x8000 : 0);
            out.writeShort(0); // no options
            out.setShort(10, out.getUnsignedShort(10) + 1);
        }
        return out;
    }

    /**
     * Counts a hit for prefetching (CoreDNS's {@code freq}): hits in a row with no gap of {@code gapNanos} or
     * more. Returns the count including this hit.
     */
    int countHit(long nowNanos, long gapNanos) {
        if (hits == 0 || nowNanos - lastHitNanos > gapNanos) {
            hits = 1;
        } else {
            hits++;
        }
        lastHitNanos = nowNanos;
        return hits;
    }

    /** A refreshed entry keeps the popularity its predecessor earned (CoreDNS resets it to the old hit count). */
    void inheritHits(CachedReply previous, long nowNanos) {
        hits = previous.hits;
        lastHitNanos = nowNanos;
    }

    /**
     * Claims the one background refresh of this entry; further claims fail until {@code holdNanos} have passed
     * (so a refresh that failed is retried, but not by every query).
     */
    boolean claimRefresh(long nowNanos, long holdNanos) {
        long until = refreshUntilNanos;
        return nowNanos - until >= 0 && REFRESH_UNTIL.compareAndSet(this, until, nowNanos + holdNanos);
    }
}
