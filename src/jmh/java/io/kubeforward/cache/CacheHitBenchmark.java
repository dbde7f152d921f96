package io.kubeforward.cache;

import io.kubeforward.config.CacheOptions;
import io.kubeforward.dns.DnsQuery;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cache-hit path of one query: {@link ResponseCache#lookup} (zone check, key, two Caffeine reads, freshness)
 * plus the answer it builds (copy of the stored bytes, ID, RD, question case, TTLs and OPT written in place) and
 * its release, over {@code names} distinct cached names asked round-robin. {@code copyBaseline} is the floor: a
 * pooled buffer, the same bytes copied, the ID written, released.
 *
 * <p>Run (about 1 minute):
 * <pre>{@code
 * ./mvnw -B -Pjmh test-compile exec:exec -Djmh.args="CacheHitBenchmark -f 1 -wi 3 -i 5"
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// The allocator as an event loop thread sees it (JMH threads are not Netty threads), without leak sampling.
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.allocator.useCacheForAllThreads=true",
    "-Dio.netty.leakDetection.level=disabled"})
public class CacheHitBenchmark {

    @Param({"1", "10000"})
    int names;

    @Param({"false", "true"})
    boolean edns;

    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private ResponseCache cache;
    private ByteBuf[] queries;
    private DnsQuery[] parsed;
    private byte[] storedBytes;
    private int next;

    @Setup
    public void setUp() throws IOException {
        // Room for every name, so the run measures hits only.
        CacheOptions.Tier tier = new CacheOptions.Tier(Math.max(names, CacheOptions.DEFAULT_CAPACITY),
                Duration.ofHours(1), Duration.ofSeconds(5), List.of());
        CacheOptions options = new CacheOptions(tier, tier, Optional.empty(), Optional.empty(), Duration.ofSeconds(5),
                false, List.of("cluster.local."));
        cache = new ResponseCache(options,
                new CacheMetrics(new SimpleMeterRegistry(), "dns://169.254.20.10:53", "cluster.local."));
        ClusterAnswers.fill(cache, names, 3600);
        queries = new ByteBuf[names];
        parsed = new DnsQuery[names];
        for (int i = 0; i < names; i++) {
            // Upper case in the question, as a client using 0x20 randomization would send it.
            queries[i] = ClusterAnswers.wire(ClusterAnswers.query(i, edns));
            queries[i].setByte(13, 'S');
            parsed[i] = ClusterAnswers.parse(queries[i]);
        }
        CacheLookup.Hit hit = (CacheLookup.Hit) cache.lookup(alloc, queries[0], parsed[0]);
        storedBytes = new byte[hit.reply().readableBytes()];
        hit.reply().getBytes(0, storedBytes);
        hit.reply().release();
    }

    @TearDown
    public void tearDown() {
        cache.close();
    }

    @Benchmark
    public int hit() {
        int i = next;
        next = i + 1 == names ? 0 : i + 1;
        CacheLookup.Hit hit = (CacheLookup.Hit) cache.lookup(alloc, queries[i], parsed[i]);
        ByteBuf reply = hit.reply();
        int size = reply.readableBytes();
        reply.release();
        return size;
    }

    @Benchmark
    public int copyBaseline() {
        ByteBuf reply = alloc.buffer(storedBytes.length);
        reply.writeBytes(storedBytes);
        reply.setShort(0, 4242);
        int size = reply.readableBytes();
        reply.release();
        return size;
    }
}
