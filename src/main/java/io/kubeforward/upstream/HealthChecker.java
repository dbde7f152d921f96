package io.kubeforward.upstream;

import io.kubeforward.config.HealthCheck;
import io.kubeforward.dns.DnsMessages;
import io.kubeforward.eventloop.DnsEventLoops;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Scheduled health checks for the members of one pool: every {@code health_check} interval a
 * {@code <domain> IN NS} probe over the member's transport; a failed query exchange triggers one at once,
 * and so does a failed probe, until one succeeds. At most one probe per member is in flight. Any well-formed
 * reply counts as healthy (as CoreDNS), a failure adds one to the member's consecutive failures, a success
 * resets them. A UDP probe waits the member's adaptive timeout, doubled per failure in a row after the first, at
 * most CoreDNS's 1 s ({@link Upstream#probeTimeoutNanos}): with {@code max_fails 2} a member that stopped answering
 * is down after about 100 + 100 + 200 ms instead of three full seconds.
 */
public final class HealthChecker implements MembershipListener, AutoCloseable {

    /** CoreDNS's probe read timeout. */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    private final DnsEventLoops loops;
    private final HealthCheck settings;
    private final boolean tcp;
    private final Clock clock;
    private final byte[] probe;
    private final int probeQuestionEnd;
    private final Map<Upstream, MemberCheck> checks = new ConcurrentHashMap<>();

    public HealthChecker(DnsEventLoops loops, HealthCheck settings, boolean tcp, Clock clock) {
        this.loops = loops;
        this.settings = settings;
        this.tcp = tcp;
        this.clock = clock;
        this.probe = DnsMessages.probeQuery(settings.domain(), settings.recursionDesired());
        this.probeQuestionEnd = probe.length;
    }

    @Override
    public void added(Upstream upstream) {
        EventLoop loop = loops.loop(Math.floorMod(upstream.address().hashCode(), loops.size()));
        MemberCheck check = new MemberCheck(upstream, loop);
        checks.put(upstream, check);
        long interval = settings.interval().toNanos();
        check.schedule(loop.scheduleWithFixedDelay(check::probe, interval, interval, TimeUnit.NANOSECONDS));
    }

    @Override
    public void removed(Upstream upstream) {
        MemberCheck check = checks.remove(upstream);
        if (check != null) {
            check.cancel();
        }
    }

    /** A query exchange with {@code upstream} failed: probe it now unless a probe is already running. */
    public void exchangeFailed(Upstream upstream) {
        MemberCheck check = checks.get(upstream);
        if (check != null) {
            check.loop.execute(check::probe);
        }
    }

    @Override
    public void close() {
        checks.values().forEach(MemberCheck::cancel);
        checks.clear();
    }

    private final class MemberCheck implements ExchangeListener {
        private final Upstream upstream;
        private final EventLoop loop;
        private final AtomicBoolean probing = new AtomicBoolean();
        private volatile ScheduledFuture<?> schedule;
        private volatile boolean cancelled;
        private long startNanos;
        private long timeoutNanos;

        MemberCheck(Upstream upstream, EventLoop loop) {
            this.upstream = upstream;
            this.loop = loop;
        }

        void schedule(ScheduledFuture<?> schedule) {
            this.schedule = schedule;
        }

        void probe() {
            if (!probing.compareAndSet(false, true)) {
                return;
            }
            startNanos = System.nanoTime();
            ByteBuf query = Unpooled.wrappedBuffer(probe.clone());
            timeoutNanos = upstream.probeTimeoutNanos(tcp, PROBE_TIMEOUT.toNanos());
            upstream.exchange(loop, query, probeQuestionEnd, tcp, timeoutNanos, new ExchangeListener() {
                @Override
                public void onReply(ByteBuf reply) {
                    reply.release();
                    query.release();
                    MemberCheck.this.onReply(reply);
                }

                @Override
                public void onFailure(ExchangeFailure failure) {
                    query.release();
                    MemberCheck.this.onFailure(failure);
                }
            });
        }

        @Override
        public void onReply(ByteBuf released) {
            upstream.probeSucceeded(System.nanoTime() - startNanos, clock.instant(), tcp);
            probing.set(false);
        }

        @Override
        public void onFailure(ExchangeFailure failure) {
            probing.set(false);
            if (failure != ExchangeFailure.REMOVED && !cancelled && !loop.isShuttingDown()) {
                upstream.probeFailed(clock.instant());
                upstream.counters().healthCheckFailed();
                // Probe again once this probe's timeout has passed (at once after a timeout; not in a loop after an
                // ICMP refusal), with a doubled timeout: the failures needed to mark it down add up in well under a
                // second, and a member that comes back is in rotation again within one probe timeout.
                long wait = startNanos + timeoutNanos - System.nanoTime();
                loop.schedule(this::probe, Math.max(0, wait), TimeUnit.NANOSECONDS);
            }
        }

        void cancel() {
            cancelled = true;
            ScheduledFuture<?> s = schedule;
            if (s != null) {
                s.cancel(false);
            }
        }
    }
}
