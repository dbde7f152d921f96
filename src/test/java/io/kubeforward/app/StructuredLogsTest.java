package io.kubeforward.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubeforward.testing.ApplicationProcess;
import io.kubeforward.testing.DnsTestClient;
import io.kubeforward.testing.FreePorts;
import io.kubeforward.testing.TestUpstream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The structured-logging switch ({@code logging.structured.format.console}, the chart's {@code logFormat}): with ECS
 * or Logstash JSON every line is one JSON object, and the query log ({@code log}) and the slow log
 * ({@code slow_log}) carry their fields as JSON fields, not only inside the message. The application runs as its own
 * process, as in a pod, against a real upstream that answers late.
 */
class StructuredLogsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /**
     * @param format  Spring Boot's structured format
     * @param nested  whether dotted keys become nested objects (ECS) or stay flat names (Logstash)
     * @param message the field that holds the message
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"ecs, true, message", "logstash, false, message"})
    void queryLogAndSlowLogLinesCarryTheirFieldsAsJsonFields(String format, boolean nested, String message) throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1").delay(250)) {
            int port = FreePorts.udpAndTcp();
            Path corefile = Files.writeString(dir.resolve("Corefile"), """
                    .:%d {
                        bind 127.0.0.1
                        errors
                        log
                        forward . 127.0.0.1:%d {
                            max_fails 0
                            slow_threshold 100ms
                            slow_log
                        }
                    }
                    """.formatted(port, upstream.port()));
            try (ApplicationProcess app = ApplicationProcess.start(dir.resolve("app.log"),
                    "--logging.structured.format.console=" + format, "--server.port=" + FreePorts.udpAndTcp(),
                    "--server.address=127.0.0.1", "--kubeforward.corefile=" + corefile)) {
                DnsTestClient client = new DnsTestClient(new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                        Duration.ofSeconds(2));
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                        .until(() -> client.udp("warm-up.example.").getRcode() == Rcode.NOERROR);
                Message reply = client.udp("Json-Check.Example.");
                assertThat(reply.getRcode()).isEqualTo(Rcode.NOERROR);
                await().atMost(Duration.ofSeconds(10)).until(() -> app.output().contains("Json-Check.Example."));
                Thread.sleep(500); // both lines of that query

                List<JsonNode> lines = jsonLines(app.output());
                JsonNode query = find(lines, "io.kubeforward.querylog", nested, "Json-Check.Example.").orElseThrow(
                        () -> new AssertionError("no query log line for Json-Check.Example. in " + output(app)));
                assertThat(field(query, nested, "dns.question.type").asString()).isEqualTo("A");
                assertThat(field(query, nested, "dns.response_code").asString()).isEqualTo("NOERROR");
                assertThat(field(query, nested, "network.transport").asString()).isEqualTo("udp");
                assertThat(field(query, nested, "client.address").asString()).contains("127.0.0.1");
                assertThat(field(query, nested, "event.duration").asLong()).isGreaterThan(200_000_000L);
                assertThat(query.get(message).asString()).contains("Json-Check.Example.");

                JsonNode slow = find(lines, "io.kubeforward.slowlog", nested, "Json-Check.Example.").orElseThrow(
                        () -> new AssertionError("no slow log line for Json-Check.Example. in " + output(app)));
                assertThat(field(slow, nested, "kubeforward.upstream").asString()).isEqualTo("dns://127.0.0.1:" + upstream.port());
                assertThat(field(slow, nested, "dns.question.type").asString()).isEqualTo("A");
                assertThat(field(slow, nested, "dns.response_code").asString()).isEqualTo("NOERROR");
                assertThat(field(slow, nested, "kubeforward.slow_threshold").asString()).isEqualTo("100ms");
                assertThat(field(slow, nested, "event.duration").asLong()).isGreaterThan(200_000_000L);
            }
        }
    }

    /** Every line the process wrote is a JSON object (no plain-text line slips through); returns them. */
    private static List<JsonNode> jsonLines(String output) {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            assertThat(line).as("a structured log line").startsWith("{");
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    private static Optional<JsonNode> find(List<JsonNode> lines, String logger, boolean nested, String name) {
        return lines.stream().filter(l -> logger.equals(loggerOf(l, nested)))
                .filter(l -> name.equals(field(l, nested, "dns.question.name").asString(""))).findFirst();
    }

    private static String loggerOf(JsonNode line, boolean nested) {
        return nested ? line.path("log").path("logger").asString("") : line.path("logger_name").asString("");
    }

    /** {@code a.b.c} as nested objects (ECS) or as one flat name (Logstash). */
    private static JsonNode field(JsonNode line, boolean nested, String key) {
        if (!nested) {
            return line.path(key);
        }
        JsonNode node = line;
        for (String part : key.split("\\.")) {
            node = node.path(part);
        }
        return node;
    }

    private static String output(ApplicationProcess app) {
        try {
            return app.output();
        } catch (IOException e) {
            return e.toString();
        }
    }
}
