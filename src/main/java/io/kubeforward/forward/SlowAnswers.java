package io.kubeforward.forward;

import io.kubeforward.config.ForwardOptions;
import io.kubeforward.config.GoDuration;
import io.kubeforward.dns.DnsQuery;
import io.kubeforward.dns.Rcodes;
import io.kubeforward.dns.WireNames;
import io.kubeforward.upstream.Upstream;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Type;

/**
 * The successor plugin's {@code slow_threshold} and {@code slow_log}: an upstream answer that took longer than the
 * threshold is counted for its upstream ({@code kubeforward_proxy_slow_answers_total}) and, with {@code slow_log},
 * logged with its name, type, upstream, duration and rcode, at most {@link #LINES_PER_SECOND} lines per second per
 * server block (the line after a burst says how many were held back). Costs one comparison per answer otherwise.
 */
final class SlowAnswers {

    static final int LINES_PER_SECOND = 10;
    private static final Logger log = LoggerFactory.getLogger("io.kubeforward.slowlog");

    private final String zone;
    private final long thresholdNanos;
    private final String threshold;
    private final boolean logging;
    private final LogRate rate;

    SlowAnswers(String zone, ForwardOptions options, LongSupplier nanoTime) {
        this.zone = zone;
        this.thresholdNanos = options.slowThreshold().map(Duration::toNanos).orElse(Long.MAX_VALUE);
        this.threshold = options.slowThreshold().map(GoDuration::format).orElse("off");
        this.logging = options.slowLog() && options.slowThreshold().isPresent();
        this.rate = new LogRate(LINES_PER_SECOND, Duration.ofSeconds(1), nanoTime);
    }

    /**
     * One answer from {@code upstream} to {@code query} (still owned by the caller), {@code elapsedNanos} after it was
     * sent.
     */
    void observe(Upstream upstream, ByteBuf query, DnsQuery parsed, int rcode, long elapsedNanos) {
        if (elapsedNanos <= thresholdNanos) {
            return;
        }
        upstream.answeredSlowly();
        if (!logging || !log.isInfoEnabled()) {
            return;
        }
        long held = rate.acquire();
        if (held < 0) {
            return;
        }
        String name = WireNames.text(query, query.readerIndex(), query.readableBytes(), DnsQuery.NAME_START);
        String type = Type.string(parsed.qtype());
        long millis = elapsedNanos / 1_000_000;
        log.atInfo()
                .addKeyValue("kubeforward.zone", zone)
                .addKeyValue("dns.question.name", name)
                .addKeyValue("dns.question.type", type)
                .addKeyValue("dns.response_code", Rcodes.name(rcode))
                .addKeyValue("kubeforward.upstream", upstream.toString())
                .addKeyValue("event.duration", elapsedNanos)
                .addKeyValue("kubeforward.slow_threshold", threshold)
                .addKeyValue("kubeforward.held_back", held)
                .log("{}: slow answer for {} {} from {}: {} ms (threshold {}, rcode {}){}", zone, name, type, upstream, millis,
                        threshold, Rcodes.name(rcode), held > 0 ? "; " + held + " more slow answers not logged" : "");
    }
}
