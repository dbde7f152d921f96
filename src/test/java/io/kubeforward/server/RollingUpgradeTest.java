package io.kubeforward.server;

import io.kubeforward.testing.FreePorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubeforward.KubeforwardApplication;
import io.kubeforward.testing.DnsTestClient;
import io.kubeforward.testing.TestUpstream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * A surge upgrade on one node: a second instance binds the same address and port (SO_REUSEPORT) while the
 * first still serves, then the first shuts down (readiness DOWN, lameduck, close, drain). Under steady query
 * load over UDP and TCP, no query may fail as a client sees it. The clients behave like stub resolvers: a
 * UDP query that gets no answer within 1 s is sent once more (glibc and dig retry too). That retry is needed
 * because the kernel drops the datagrams still queued in a UDP socket when it closes, and nothing in a
 * reuseport group can move them to the remaining sockets; the test reports how many first attempts it cost.
 */
class RollingUpgradeTest {


    private static ConfigurableApplicationContext start(int dnsPort, TestUpstream upstream, String lameduck) {
        return new SpringApplicationBuilder(KubeforwardApplication.class).run(
                "--server.port=0",
                "--kubeforward.servers[0].zones[0]=.",
                "--kubeforward.servers[0].port=" + dnsPort,
                "--kubeforward.servers[0].bind[0]=127.0.0.1",
                "--kubeforward.servers[0].forward.to[0]=127.0.0.1:" + upstream.port(),
                "--kubeforward.listener.lameduck=" + lameduck);
    }

    @Test
    void replacingARunningInstanceUnderLoadFailsNoQuery() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1")) {
            int port = FreePorts.udpAndTcp();
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            ConfigurableApplicationContext old = start(port, upstream, "2s");
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            AtomicInteger retried = new AtomicInteger();
            AtomicBoolean running = new AtomicBoolean(true);
            Thread[] load = new Thread[2];
            for (int t = 0; t < load.length; t++) {
                boolean tcp = t == 1;
                load[t] = new Thread(() -> {
                    DnsTestClient client = new DnsTestClient(address, Duration.ofSeconds(1));
                    int i = 0;
                    while (running.get()) {
                        String name = "u" + i++ + ".example.";
                        try {
                            Message reply;
                            if (tcp) {
                                reply = client.tcp(name);
                            } else {
                                try {
                                    reply = client.udp(name);
                                } catch (java.net.SocketTimeoutException lost) {
                                    retried.incrementAndGet();
                                    reply = client.udp(name);
                                }
                            }
                            (reply.getRcode() == Rcode.NOERROR ? ok : failed).incrementAndGet();
                        } catch (Exception e) {
                            failed.incrementAndGet();
                            System.out.println("[upgrade] " + (tcp ? "tcp" : "udp") + " query failed: " + e);
                        }
                    }
                });
                load[t].start();
            }
            Thread.sleep(500);
            ConfigurableApplicationContext replacement = start(port, upstream, "2s");
            Thread.sleep(500);
            int beforeShutdown = ok.get();
            old.close(); // what SIGTERM does: readiness DOWN, 2 s lameduck, close listeners, drain
            Thread.sleep(1000);
            running.set(false);
            for (Thread thread : load) {
                thread.join(10_000);
            }
            System.out.printf("[measure] rolling upgrade: %d queries answered, %d failed, %d UDP first attempts lost and retried%n",
                    ok.get(), failed.get(), retried.get());
            assertThat(failed.get()).isZero();
            assertThat(ok.get()).isGreaterThan(beforeShutdown + 100);
            await().atMost(Duration.ofSeconds(2)).until(() -> new DnsTestClient(address, Duration.ofSeconds(2)).udp("after.example.")
                    .getRcode() == Rcode.NOERROR);
            replacement.close();
        }
    }
}
