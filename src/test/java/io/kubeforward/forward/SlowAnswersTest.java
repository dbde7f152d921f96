package io.kubeforward.forward;

import static io.kubeforward.testing.ForwardingFixture.options;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.testing.Closer;
import io.kubeforward.testing.ForwardingFixture;
import io.kubeforward.testing.TestUpstream;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * {@code slow_threshold} and {@code slow_log} (the successor plugin's options) against a real upstream that answers
 * late: the slow answer is counted for its upstream and logged with name, type, upstream, duration and rcode, and a
 * burst of slow answers cannot flood the log.
 */
@ExtendWith(OutputCaptureExtension.class)
class SlowAnswersTest {

    private static final String LINE = "slow answer for ";
    private final Closer closer = new Closer();
    private final ExecutorService clients = closer.keep(Executors.newFixedThreadPool(32));

    @AfterEach
    void closeAll() throws Exception {
        clients.shutdownNow();
        closer.close();
    }

    private <T extends AutoCloseable> T keep(T resource) {
        return closer.keep(resource);
    }

    private static double slowAnswers(ForwardingFixture fixture, TestUpstream upstream) {
        Counter counter = fixture.registry().find("kubeforward.proxy.slow.answers")
                .tag("to", ForwardingFixture.address(upstream).url()).counter();
        return counter == null ? -1 : counter.count();
    }

    @Test
    void aSlowAnswerIsCountedForItsUpstreamAndLoggedWithItsFields(CapturedOutput output) throws IOException {
        TestUpstream upstream = keep(TestUpstream.start("10.0.0.1")).delay(400);
        ForwardingFixture fixture = keep(ForwardingFixture.start(
                options().slowThreshold(Duration.ofMillis(200)).slowLog().maxFails(0).build(), upstream));

        Message reply = fixture.client().udp("Slow.Example.org.");
        assertThat(reply.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(slowAnswers(fixture, upstream)).isEqualTo(1);
        String url = ForwardingFixture.address(upstream).url();
        Matcher line = Pattern.compile(".:0: slow answer for Slow\\.Example\\.org\\. A from " + Pattern.quote(url)
                + ": (\\d+) ms \\(threshold 200ms, rcode NOERROR\\)").matcher(output.getAll());
        assertThat(line.find()).as("the slow log line in %s", output.getAll()).isTrue();
        assertThat(Integer.parseInt(line.group(1))).isBetween(390, 5000);

        upstream.delay(0);
        fixture.client().udp("fast.example.org.");
        assertThat(slowAnswers(fixture, upstream)).as("a fast answer is not slow").isEqualTo(1);
        assertThat(output.getAll()).doesNotContain(LINE + "fast.example.org.");
    }

    @Test
    void withoutSlowLogSlowAnswersAreCountedButNotLogged(CapturedOutput output) throws IOException {
        TestUpstream upstream = keep(TestUpstream.start("10.0.0.1")).delay(300);
        ForwardingFixture fixture = keep(ForwardingFixture.start(
                options().slowThreshold(Duration.ofMillis(100)).maxFails(0).build(), upstream));
        fixture.client().udp("a.example.org.");
        fixture.client().tcp("b.example.org.");
        assertThat(slowAnswers(fixture, upstream)).isEqualTo(2);
        assertThat(output.getAll()).doesNotContain(LINE);
    }

    @Test
    void withoutAThresholdNothingIsSlowAndThereIsNoSeries(CapturedOutput output) throws IOException {
        TestUpstream upstream = keep(TestUpstream.start("10.0.0.1")).delay(300);
        ForwardingFixture fixture = keep(ForwardingFixture.start(options().slowLog().maxFails(0).build(), upstream));
        fixture.client().udp("a.example.org.");
        assertThat(slowAnswers(fixture, upstream)).as("no counter").isEqualTo(-1);
        assertThat(output.getAll()).doesNotContain(LINE);
    }

    /**
     * 30 slow answers at once: every one counted, at most {@link SlowAnswers#LINES_PER_SECOND} lines per second written,
     * and the next line written says how many were held back, so lines plus held-back add up to the answers.
     */
    @Test
    void aBurstOfSlowAnswersIsCountedInFullButLoggedAtABoundedRate(CapturedOutput output) throws Exception {
        TestUpstream upstream = keep(TestUpstream.start("10.0.0.1")).delay(300);
        ForwardingFixture fixture = keep(ForwardingFixture.start(
                options().slowThreshold(Duration.ofMillis(100)).slowLog().maxFails(0).build(), upstream));
        List<CompletableFuture<Message>> burst = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String name = "burst-" + i + ".example.org.";
            burst.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return fixture.client().udp(name);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, clients));
        }
        for (CompletableFuture<Message> reply : burst) {
            assertThat(reply.get().getRcode()).isEqualTo(Rcode.NOERROR);
        }
        int burstLines = count(output.getAll(), LINE + "burst-");
        Thread.sleep(1100); // the next window
        fixture.client().udp("after.example.org.");

        assertThat(slowAnswers(fixture, upstream)).isEqualTo(31);
        assertThat(burstLines).as("lines for the burst").isLessThanOrEqualTo(2 * SlowAnswers.LINES_PER_SECOND).isLessThan(30);
        int lines = count(output.getAll(), LINE);
        Matcher held = Pattern.compile("; (\\d+) more slow answers not logged").matcher(output.getAll());
        int heldBack = 0;
        while (held.find()) {
            heldBack += Integer.parseInt(held.group(1));
        }
        assertThat(lines + heldBack).as("lines written + answers held back").isEqualTo(31);
        assertThat(output.getAll()).contains(LINE + "after.example.org.");
    }

    @Test
    void theDocumentedLogRateIsTheCodes() throws IOException {
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("docs/configuration.md"));
        assertThat(doc).contains("at most " + SlowAnswers.LINES_PER_SECOND + " lines per second per server block");
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
            n++;
        }
        return n;
    }
}
