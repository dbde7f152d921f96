package io.kubeforward.forward;

import io.kubeforward.dns.DnsQuery;
import io.kubeforward.dns.MalformedMessageException;
import io.kubeforward.dns.QueryParser;
import io.kubeforward.dns.ReplyValidator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
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
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The per-query steps of the forward path that are ours (not Netty's or the kernel's), on a typical cluster
 * query ({@code kube-dns.kube-system.svc.cluster.local. A}, with or without EDNS):
 * <ul>
 *   <li>{@code parse}: {@link QueryParser#parse} on the client's bytes (header, question, EDNS);</li>
 *   <li>{@code validateReply}: {@link ReplyValidator#answersQuestion}, the check every upstream reply passes
 *       (same question, case-insensitively) before it is relayed;</li>
 *   <li>{@code fitReply}: {@link Truncation#fit} for a reply that fits (the common case: the same buffer back).</li>
 * </ul>
 * Run (about 1 minute): {@code ./mvnw -B -Pjmh test-compile exec:exec -Djmh.args="HotPathBenchmark -f 1 -wi 3 -i 5"}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.allocator.useCacheForAllThreads=true",
    "-Dio.netty.leakDetection.level=disabled"})
public class HotPathBenchmark {

    private static final String NAME = "kube-dns.kube-system.svc.cluster.local.";

    @Param({"false", "true"})
    boolean edns;

    private ByteBuf query;
    private ByteBuf reply;
    private int questionEnd;
    private int udpPayloadSize;

    @Setup
    public void setUp() throws IOException, MalformedMessageException {
        Message q = Message.newQuery(Record.newRecord(Name.fromString(NAME), Type.A, DClass.IN));
        q.getHeader().setID(4242);
        if (edns) {
            q.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        }
        query = Unpooled.directBuffer().writeBytes(q.toWire());
        Message r = new Message(4242);
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.RD);
        r.getHeader().setFlag(Flags.RA);
        // The upstream may change the question's case (0x20); the check must still match.
        r.addRecord(Record.newRecord(Name.fromString(NAME.toUpperCase()), Type.A, DClass.IN), Section.QUESTION);
        r.addRecord(new ARecord(Name.fromString(NAME), DClass.IN, 30, java.net.InetAddress.getByName("10.96.0.10")),
                Section.ANSWER);
        reply = Unpooled.directBuffer().writeBytes(r.toWire());
        DnsQuery parsed = QueryParser.parse(query);
        questionEnd = parsed.questionEnd();
        udpPayloadSize = parsed.udpPayloadSize();
    }

    @TearDown
    public void tearDown() {
        query.release();
        reply.release();
    }

    @Benchmark
    public DnsQuery parse() throws MalformedMessageException {
        return QueryParser.parse(query);
    }

    @Benchmark
    public boolean validateReply() {
        return ReplyValidator.answersQuestion(reply, query, questionEnd);
    }

    @Benchmark
    public ByteBuf fitReply() {
        return Truncation.fit(ByteBufAllocator.DEFAULT, reply, udpPayloadSize);
    }
}
