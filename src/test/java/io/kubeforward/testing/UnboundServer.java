package io.kubeforward.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real unbound (Debian's) on a loopback port, answering only from local data: {@code www.example.test. A}
 * the given address, and every other name locally (no recursion ever leaves the machine: the root is a
 * static local zone and any stub points at a dead loopback port).
 */
public final class UnboundServer implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path dir;

    private UnboundServer(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    public static UnboundServer start(String answer) throws IOException, InterruptedException {
        return start(answer, Files.createTempDirectory("unbound"), false);
    }

    /**
     * Unbound serving DNS over TLS only, with a self-signed certificate for {@code serverName} and IP 127.0.0.1;
     * the certificate (to trust) is {@link #certificate()}.
     */
    public static UnboundServer startTls(String answer, String serverName) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("unbound-tls");
        Process openssl = new ProcessBuilder(Peers.require("openssl", "openssl").toString(), "req", "-x509", "-newkey",
                "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=" + serverName,
                "-addext", "subjectAltName=DNS:" + serverName + ",IP:127.0.0.1", "-keyout", dir.resolve("server.key").toString(),
                "-out", dir.resolve("server.pem").toString()).redirectErrorStream(true).start();
        if (!openssl.waitFor(30, TimeUnit.SECONDS) || openssl.exitValue() != 0) {
            throw new IOException("openssl failed: " + new String(openssl.getInputStream().readAllBytes()));
        }
        return start(answer, dir, true);
    }

    public Path certificate() {
        return dir.resolve("server.pem");
    }

    private static UnboundServer start(String answer, Path dir, boolean tls) throws IOException, InterruptedException {
        Path unbound = Peers.require("unbound", "unbound");
        int port = freeUdpPort();
        String tlsLines = tls ? """
                  tls-service-key: "%2$s/server.key"
                  tls-service-pem: "%2$s/server.pem"
                  tls-port: %1$d
                """ : "";
        String config = ("""
                server:
                  interface: 127.0.0.1@%1$d
                  port: %1$d
                """ + tlsLines + """
                  do-daemonize: no
                  use-syslog: no
                  logfile: ""
                  chroot: ""
                  username: ""
                  directory: "%2$s"
                  pidfile: "%2$s/unbound.pid"
                  do-ip6: no
                  num-threads: 1
                  so-reuseport: no
                  access-control: 127.0.0.0/8 allow
                  module-config: "iterator"
                  local-zone: "." static
                  local-zone: "example.test." static
                  local-data: "example.test. 300 IN NS ns.example.test."
                  local-data: "www.example.test. 300 IN A %3$s"
                remote-control:
                  control-enable: no
                """).formatted(port, dir, answer);
        Path file = dir.resolve("unbound.conf");
        Files.writeString(file, config);
        Process process = new ProcessBuilder(unbound.toString(), "-d", "-c", file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("unbound.log").toFile()).start();
        UnboundServer server = new UnboundServer(process, port, dir);
        if (tls) {
            server.awaitListening();
        } else {
            server.awaitReady();
        }
        return server;
    }

    private void awaitReady() throws IOException, InterruptedException {
        DnsTestClient client = new DnsTestClient(address(), Duration.ofMillis(200));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("unbound exited: " + Files.readString(dir.resolve("unbound.log")));
            }
            try {
                client.udp("www.example.test.");
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IOException("unbound did not answer within 10s: " + Files.readString(dir.resolve("unbound.log")));
    }

    /** Over TLS a plain DNS query gets no answer: wait until the TCP port accepts connections. */
    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("unbound exited: " + Files.readString(dir.resolve("unbound.log")));
            }
            try (java.net.Socket socket = new java.net.Socket()) {
                socket.connect(address(), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IOException("unbound did not listen within 10s: " + Files.readString(dir.resolve("unbound.log")));
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** A loopback port free for both UDP and TCP at the time of asking. */
    private static int freeUdpPort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                    java.net.ServerSocket tcp = new java.net.ServerSocket(udp.getLocalPort(), 1, InetAddress.getLoopbackAddress())) {
                return udp.getLocalPort();
            } catch (java.net.BindException taken) {
                // TCP side in use: try another
            }
        }
        throw new IOException("no loopback port free for both UDP and TCP");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
