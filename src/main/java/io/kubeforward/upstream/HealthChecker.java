package io.kubeforward.upstream;

import io.kubeforward.config.HealthCheck;
import io.kubeforward.dns.DnsMessages;
import io.kubeforward.server.DnsEventLoops;
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
 * {@code <domain> IN NS} probe over the member's transport; a failed query exchange triggers one at once.
 * At most one probe per member is in flight. Any well-formed reply counts as healthy (as CoreDNS), a
 * failure adds one to the member's consecutive failures, a success resets them.
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
        private long startNanos;

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
            upstream.exchange(loop, query, probeQuestionEnd, tcp, PROBE_TIMEOUT.toNanos(), new ExchangeListener() {
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
            upstream.probeSucceeded(System.nanoTime() - startNanos, clock.instant());
            probing.set(false);
        }

        @Override
        public void onFailure(ExchangeFailure failure) {
            if (failure != ExchangeFailure.REMOVED) {
                upstream.probeFailed(clock.instant());
                upstream.counters().healthCheckFailed();
            }
            probing.set(false);
        }

        void cancel() {
            ScheduledFuture<?> s = schedule;
            if (s != null) {
                s.cancel(false);
            }
        }
    }
}
