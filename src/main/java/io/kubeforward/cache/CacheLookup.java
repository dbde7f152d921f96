package io.kubeforward.cache;

import io.netty.buffer.ByteBuf;

/** The outcome of asking a {@link ResponseCache} for an answer: a {@link Hit} to send, or a {@link Miss}. */
public sealed interface CacheLookup permits CacheLookup.Hit, CacheLookup.Miss {

    /** Nothing to send: forward the query. */
    Miss MISS = new Miss();

    /**
     * A ready answer. {@code reply} carries the client's ID, RD bit and question case, TTLs counted down (or 30s
     * when stale, RFC 8767), and an OPT record if the client sent one; it is not yet fitted to a UDP client's size.
     * The caller owns it and must send or release it.
     *
     * @param reply   the answer
     * @param stale   the entry had expired and is served within the {@code serve_stale} window
     * @param refresh the caller should now refresh this entry in the background: forward a copy of the query and
     *                {@link ResponseCache#store store} the reply (a prefetch of a popular entry about to expire,
     *                or the refresh after an {@code immediate} stale answer); handed to one caller at a time
     */
    record Hit(ByteBuf reply, boolean stale, boolean refresh) implements CacheLookup {
    }

    /** No usable entry. */
    record Miss() implements CacheLookup {
    }
}
