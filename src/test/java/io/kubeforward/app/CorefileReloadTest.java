package io.kubeforward.app;

import io.kubeforward.testing.FreePorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubeforward.testing.ApplicationProcess;
import io.kubeforward.testing.DnsTestClient;
import io.kubeforward.testing.TestUpstream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;

/** {@code reload}: the application as its own process applies a good Corefile change and keeps serving through a bad one. */
class CorefileReloadTest {


    private static String corefile(int port, String upstream) {
        return """
                .:%d {
                    bind 127.0.0.1
                    reload 2s 0s
                    forward . %s
                }
                """.formatted(port, upstream);
    }

    private static String answer(DnsTestClient client, String name) {
        try {
            Message reply;
            try {
                reply = client.udp(name);
            } catch (java.net.SocketTimeoutException lost) {
                reply = client.udp(name); // a stub resolver's retry (see RollingUpgradeTest)
            }
            return ((ARecord) reply.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress();
        } catch (Exception e) {
            return "failed: " + e;
        }
    }

    private static int health(int port) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/actuator/health/liveness")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode();
    }

    @Test
    void aGoodChangeIsAppliedAndABadOneKeepsTheRunningConfiguration(@TempDir Path dir) throws Exception {
        try (TestUpstream a = TestUpstream.start("10.0.0.1"); TestUpstream b = TestUpstream.start("10.0.0.2")) {
            int port = FreePorts.udpAndTcp();
            Path file = Files.writeString(dir.resolve("Corefile"), corefile(port, "127.0.0.1:" + a.port()));
            int management = FreePorts.udpAndTcp();
            try (ApplicationProcess app = ApplicationProcess.start(dir.resolve("app.log"), "--server.port=" + management,
                    "--server.address=127.0.0.1", "--kubeforward.corefile=" + file)) {
                DnsTestClient client = new DnsTestClient(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), Duration.ofSeconds(1));
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> answer(client, "a.example.").equals("10.0.0.1"));

                Files.writeString(file, corefile(port, "127.0.0.1:" + b.port()));
                long changed = System.nanoTime();
                int failures = 0;
                String last = "";
                while (!last.equals("10.0.0.2") && System.nanoTime() - changed < TimeUnit.SECONDS.toNanos(60)) {
                    last = answer(client, "b.example.");
                    failures += last.startsWith("failed") ? 1 : 0;
                }
                System.out.printf("[measure] reload applied %d ms after the change, %d failed queries meanwhile%n",
                        (System.nanoTime() - changed) / 1_000_000, failures);
                assertThat(last).isEqualTo("10.0.0.2");
                assertThat(failures).isZero();
                // The process outlives the old instance's shutdown: its actuator (a new HTTP server) still answers.
                Thread.sleep(5000);
                assertThat(app.isAlive()).as("the process after the reload").isTrue();
                assertThat(health(management)).isEqualTo(200);

                Files.writeString(file, corefile(port, "not-an-address"));
                await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(dir.resolve("app.log"))
                        .contains("is not valid, keeping the running configuration"));
                for (int i = 0; i < 20; i++) {
                    assertThat(answer(client, "c" + i + ".example.")).isEqualTo("10.0.0.2");
                }
            }
        }
    }
}
