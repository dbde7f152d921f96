package io.kubeforward.upstream;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How long to wait for one upstream's UDP answer before trying another: RFC 6298's retransmission timeout
 * computed from the upstream's answered exchanges, {@code srtt + max(G, 4 × rttvar)} with the RFC's G (clock
 * granularity) set to {@link #MARGIN_NANOS}, at most a ceiling the caller gives (the rule's {@code read_timeout}).
 *
 * <p>Why these numbers: a node-local forwarder's upstreams answer in well under a millisecond from their cache
 * and in tens of milliseconds when they recurse, so the variance term carries most of the estimate. The margin
 * of at least 100 ms over the smoothed round trip (twice unbound's 50 ms minimum timeout, half of Linux TCP's
 * 200 ms minimum RTO) absorbs what the samples do not show: a garbage-collection pause on either side, a busy
 * event loop, the jitter of an upstream whose round trips are all alike (where rttvar shrinks towards zero).
 * Before the first sample the estimate is {@link #INITIAL_NANOS} (unbound starts unknown servers at 376 ms;
 * RFC 6298 at 1 s): short enough that a new endpoint that never answers costs a client half a second at worst,
 * long enough for a cold upstream cache.
 *
 * <p>One change to RFC 6298: the variation rises with gain 1/4 but falls with gain 1/32. DNS round trips are
 * bimodal (cache hits and recursions at the upstream), and with the RFC's symmetric gain nine fast answers after a
 * slow one bring the timeout back to srtt + 100 ms, so the next recursion would be abandoned and asked again
 * elsewhere. Falling slowly keeps the timeout above a tail of one slow answer in ten (Linux TCP keeps its
 * variation up in a similar way, lowering it only once per round trip).
 *
 * <p>Only answered exchanges are samples (Karn's rule: a timed-out attempt says nothing about the round trip).
 * A timeout therefore never shortens or lengthens the estimate; callers keep liveness another way (the
 * forwarder's last attempts wait the full {@code read_timeout}, health probes back off), so an upstream that
 * became slower than its estimate is sampled again and the estimate follows it.
 *
 * <p>Lock-free and allocation-free: both values live in one {@code long} (microseconds, 31 bits each, so a sample
 * is capped at {@link #MAX_SAMPLE_MICROS}), updated by compare-and-set.
 */
final class RttEstimator {

    /** The least the timeout exceeds the smoothed round trip by: RFC 6298's G. */
    static final long MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long INITIAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** Longer samples are taken as this: no DNS exchange we would wait for lasts a minute. */
    static final long MAX_SAMPLE_MICROS = TimeUnit.SECONDS.toMicros(60);

    private static final long SAMPLED = 1L << 62;
    private static final int SRTT_SHIFT = 31;
    private static final long MASK = (1L << 31) - 1;

    /** {@code SAMPLED | srtt << 31 | rttvar}, in microseconds; 0 before the first sample. */
    private final AtomicLong state = new AtomicLong();

    /** Adds one answered exchange's round-trip time. */
    void sample(long rttNanos) {
        long r = Math.min(Math.max(rttNanos, 0) / 1_000, MAX_SAMPLE_MICROS);
        while (true) {
            long current = state.get();
            long next;
            if (current == 0) {
                next = pack(r, r / 2);
            } else {
                long srtt = srttMicros(current);
                long rttvar = current & MASK;
                // RFC 6298 2.3, in integers: RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R|; SRTT <- 7/8 SRTT + 1/8 R;
                // except that RTTVAR falls with gain 1/32 (see the class comment).
                long error = Math.abs(srtt - r);
                rttvar = error > rttvar ? rttvar + (error - rttvar) / 4 : rttvar - (rttvar - error) / 32;
                srtt = srtt + (r - srtt) / 8;
                next = pack(srtt, rttvar);
            }
            if (state.compareAndSet(current, next)) {
                return;
            }
        }
    }

    /** The timeout for the next attempt: {@code srtt + max(margin, 4 × rttvar)}, at most {@code ceilingNanos}. */
    long timeoutNanos(long ceilingNanos) {
        long current = state.get();
        if (current == 0) {
            return Math.min(ceilingNanos, INITIAL_NANOS);
        }
        long estimate = srttMicros(current) * 1_000 + Math.max(MARGIN_NANOS, 4 * (current & MASK) * 1_000);
        return Math.min(ceilingNanos, estimate);
    }

    /** Smoothed round-trip time, or -1 before the first sample. */
    long srttNanos() {
        long current = state.get();
        return current == 0 ? -1 : srttMicros(current) * 1_000;
    }

    /** Round-trip time variation, or -1 before the first sample. */
    long rttvarNanos() {
        long current = state.get();
        return current == 0 ? -1 : (current & MASK) * 1_000;
    }

    private static long srttMicros(long packed) {
        return (packed >>> SRTT_SHIFT) & MASK;
    }

    private static long pack(long srttMicros, long rttvarMicros) {
        return SAMPLED | Math.min(srttMicros, MASK) << SRTT_SHIFT | Math.min(rttvarMicros, MASK);
    }
}
