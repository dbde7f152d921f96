package io.kubeforward.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on 127.0.0.1 to one target, so a test can break every connection through it at once, as a network blip
 * or a restarted load balancer does, while the target (e.g. the API server) stays up. Bytes are relayed as they are
 * (TLS passes through: a client that verifies 127.0.0.1 still talks to the target's certificate).
 */
public final class TcpProxy implements AutoCloseable {

    private final SocketAddress target;
    private final ServerSocket listener;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean open = true;

    private TcpProxy(SocketAddress target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofPlatform().daemon().name("tcp-proxy-accept").start(this::accept);
    }

    public static TcpProxy to(InetSocketAddress target) throws IOException {
        return new TcpProxy(target);
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Connections currently relayed. */
    public int connections() {
        return sockets.size() / 2;
    }

    /** Resets every relayed connection (RST to both sides) and returns how many there were; new ones are accepted. */
    public int cutAll() {
        int cut = connections();
        for (Socket socket : sockets) {
            reset(socket);
        }
        sockets.clear();
        return cut;
    }

    private void accept() {
        while (open) {
            try {
                Socket client = listener.accept();
                Socket upstream = new Socket();
                try {
                    upstream.connect(target, 5_000);
                } catch (IOException e) {
                    reset(client);
                    continue;
                }
                sockets.add(client);
                sockets.add(upstream);
                relay(client, upstream);
                relay(upstream, client);
            } catch (IOException e) {
                if (open) {
                    throw new IllegalStateException("proxy accept failed", e);
                }
            }
        }
    }

    private void relay(Socket from, Socket to) {
        Thread.ofPlatform().daemon().name("tcp-proxy-relay").start(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // one side went away (or cutAll): the other follows
            } finally {
                reset(from);
                reset(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        });
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0); // close with RST, as a broken path looks to a client
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        open = false;
        listener.close();
        cutAll();
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
