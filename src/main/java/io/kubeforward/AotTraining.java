package io.kubeforward;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The training run of the JDK's AOT cache ({@code bin/kubeforward --prepare}, the image's build step): the application
 * as it runs in production, with a cache block and a forward-only block in front of a {@link TrainingUpstream} on
 * loopback, answers UDP and TCP queries (cache hits, misses, NXDOMAIN, forwarded names) for {@link #DURATION}, serves
 * its actuator endpoints, and shuts down the way SIGTERM does. The JVM then stores the classes this loaded and
 * linked, with the profiles of the methods it ran, so a start finds the query path already linked and profiled
 * instead of a cache trained on a run that forwarded nothing (docs/performance.md, "Startup").
 *
 * <p>Binds only 127.0.0.1 (ports chosen by the kernel); exits non-zero if fewer than half the queries were answered,
 * so a broken build does not ship a cache trained on errors.
 */
public final class AotTraining {

    static final Duration DURATION = Duration.ofSeconds(8);
    private static final int UDP_CLIENTS = 3;
    private static final String[] ENDPOINTS = {"/actuator/health", "/actuator/health/readiness", "/actuator/health/liveness",
            "/actuator/prometheus", "/actuator/upstreams", "/actuator/info"};

    private AotTraining() {
    }

    public static void main(String[] args) throws Exception {
        try (TrainingUpstream upstream = TrainingUpstream.start()) {
            int port = freeUdpPort();
            Path corefile = Files.createTempFile("kubeforward-training", ".Corefile");
            Files.writeString(corefile, """
                    cached.test.:%1$d {
                        bind 127.0.0.1
                        cache 3600
                        forward . 127.0.0.1:%2$d
                    }
                    .:%1$d {
                        bind 127.0.0.1
                        forward . 127.0.0.1:%2$d
                    }
                    """.formatted(port, upstream.port()));
            List<String> arguments = new ArrayList<>(List.of("--kubeforward.corefile=" + corefile, "--server.port=0",
                    "--spring.profiles.active=training"));
            arguments.addAll(List.of(args));
            SpringApplication application = new SpringApplication(KubeforwardApplication.class);
            application.setMainApplicationClass(KubeforwardApplication.class); // whose AOT initializer is used
            ConfigurableApplicationContext context = application.run(arguments.toArray(String[]::new));
            int http = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
            long[] counts = drive(port, http);
            context.close();
            Files.deleteIfExists(corefile);
            System.out.printf("AOT training: %d of %d queries answered%n", counts[0], counts[1]);
            if (counts[0] * 2 < counts[1]) {
                System.err.println("AOT training: too few queries answered; the cache would be trained on failures");
                System.exit(1);
            }
        }
    }

    /** Queries and HTTP requests until {@link #DURATION} has passed; returns {answered, sent}. */
    private static long[] drive(int port, int http) throws InterruptedException {
        long deadline = System.nanoTime() + DURATION.toNanos();
        AtomicLong answered = new AtomicLong();
        AtomicLong sent = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < UDP_CLIENTS; i++) {
            int client = i;
            threads.add(Thread.ofPlatform().name("training-udp-" + i).start(() -> udpClient(client, port, deadline, answered, sent)));
        }
        threads.add(Thread.ofPlatform().name("training-tcp").start(() -> tcpClient(port, deadline, answered, sent)));
        while (System.nanoTime() < deadline) {
            for (String endpoint : ENDPOINTS) {
                httpGet(http, endpoint);
            }
            Thread.sleep(200);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        return new long[] {answered.get(), sent.get()};
    }

    /** Name {@code i} of the mix: 7 in 10 of 2,000 cached names, 2 forwarded names never asked before, 1 NXDOMAIN. */
    static String name(int client, long i) {
        return switch ((int) (i % 10)) {
            case 7, 8 -> "f" + client + "x" + i + ".forward.test";
            case 9 -> "q" + client + "x" + i + ".nx.cached.test";
            default -> "n" + (i % 2000) + ".cached.test";
        };
    }

    private static void udpClient(int client, int port, long deadline, AtomicLong answered, AtomicLong sent) {
        byte[] buffer = new byte[4096];
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            socket.setSoTimeout(1000);
            for (long i = 0; System.nanoTime() < deadline; i++) {
                byte[] query = query((int) i, name(client, i), i % 3 == 0);
                socket.send(new DatagramPacket(query, query.length));
                sent.incrementAndGet();
                try {
                    socket.receive(new DatagramPacket(buffer, buffer.length));
                    answered.incrementAndGet();
                } catch (SocketTimeoutException e) {
                    // counted as unanswered
                }
            }
        } catch (IOException e) {
            System.err.println("AOT training: UDP client: " + e);
        }
    }

    private static void tcpClient(int port, long deadline, AtomicLong answered, AtomicLong sent) {
        for (long i = 0; System.nanoTime() < deadline;) {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
                    DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                    DataInputStream in = new DataInputStream(socket.getInputStream())) {
                socket.setSoTimeout(2000);
                for (int n = 0; n < 500 && System.nanoTime() < deadline; n++, i++) {
                    byte[] query = query((int) i, name(UDP_CLIENTS, i), false);
                    out.writeShort(query.length);
                    out.write(query);
                    sent.incrementAndGet();
                    in.readFully(new byte[in.readUnsignedShort()]);
                    answered.incrementAndGet();
                }
            } catch (IOException e) {
                i++; // a failed connection: the next one
            }
        }
    }

    /** A query for {@code name} A, with recursion desired and, if {@code edns}, an OPT record (1232 bytes). */
    static byte[] query(int id, String name, boolean edns) {
        byte[] qname = name.getBytes(StandardCharsets.US_ASCII);
        byte[] query = new byte[12 + qname.length + 2 + 4 + (edns ? 11 : 0)];
        query[0] = (byte) (id >> 8);
        query[1] = (byte) id;
        query[2] = 1;
        query[5] = 1;
        query[11] = (byte) (edns ? 1 : 0);
        int at = 12;
        for (String label : name.split("\\.")) {
            query[at++] = (byte) label.length();
            for (int k = 0; k < label.length(); k++) {
                query[at++] = (byte) label.charAt(k);
            }
        }
        query[at++] = 0;
        query[at + 1] = 1; // type A
        query[at + 3] = 1; // class IN
        if (edns) {
            at += 4;
            query[at + 2] = 41; // OPT
            query[at + 3] = (byte) (1232 >> 8);
            query[at + 4] = (byte) 1232;
        }
        return query;
    }

    private static void httpGet(int port, String path) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            // the next round asks again
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return probe.getLocalPort();
        }
    }
}
