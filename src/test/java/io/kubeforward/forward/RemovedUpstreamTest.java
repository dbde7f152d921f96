package io.kubeforward.forward;

import static io.kubeforward.testing.ForwardingFixture.options;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.config.Transport;
import io.kubeforward.config.UpstreamAddress;
import io.kubeforward.testing.ForwardingFixture;
import io.kubeforward.testing.TestUpstream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * An upstream removed (its endpoint gone from the EndpointSlice, or the server stopping) while a TCP connection to it
 * is still being dialled: the query waiting for that connection fails over at once instead of waiting for a connect
 * that may never complete, and its buffer is released (the leak check of every test class would report it).
 */
class RemovedUpstreamTest {

    @Test
    void aQueryWaitingForATcpConnectToARemovedUpstreamIsAnsweredAtOnce() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket neverAccepts = new ServerSocket(0, 1, loopback);
                TestUpstream replacement = TestUpstream.start("10.0.0.2")) {
            List<Socket> queued = fillAcceptQueue(neverAccepts);
            UpstreamAddress dialled = new UpstreamAddress(Transport.DNS, new InetSocketAddress(loopback, neverAccepts.getLocalPort()),
                    "", "static");
            // One attempt, so it waits the whole read_timeout (5 s) for the connect: unless the removal ends it.
            try (ForwardingFixture fixture = ForwardingFixture.start(options().forceTcp().maxFails(0).maxConnectAttempts(1)
                    .readTimeout(Duration.ofSeconds(5)).build(), Duration.ofSeconds(5), List.of(dialled))) {
                CompletableFuture<Message> reply = CompletableFuture.supplyAsync(() -> {
                    try {
                        return fixture.client(Duration.ofSeconds(8)).udp("pending.example.org.");
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                Thread.sleep(500); // the SYN is dropped: the forwarder is still connecting
                assertThat(reply).isNotDone();
                long removed = System.nanoTime();
                fixture.forwarding().entries().get(0).forwarder().orElseThrow().pool()
                        .apply(List.of(ForwardingFixture.address(replacement)));

                Message answer = reply.get(4, TimeUnit.SECONDS);
                assertThat(Duration.ofNanos(System.nanoTime() - removed)).as("answered after the removal")
                        .isLessThan(Duration.ofSeconds(3));
                // Its one attempt was on the removed upstream.
                assertThat(answer.getRcode()).isEqualTo(Rcode.SERVFAIL);
            } finally {
                for (Socket socket : queued) {
                    socket.close();
                }
            }
        }
    }

    /** Connections nobody accepts until the listener's queue is full: the kernel then drops every new SYN. */
    private static List<Socket> fillAcceptQueue(ServerSocket listener) throws IOException {
        List<Socket> queued = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Socket socket = new Socket();
            try {
                socket.connect(listener.getLocalSocketAddress(), 200);
                queued.add(socket);
            } catch (SocketTimeoutException full) {
                socket.close();
                return queued;
            }
        }
        throw new IllegalStateException("the accept queue of " + listener + " did not fill with " + queued.size() + " connections");
    }
}
