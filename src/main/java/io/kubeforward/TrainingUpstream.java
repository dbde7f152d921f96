package io.kubeforward;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;

/**
 * The upstream of the AOT training run ({@link AotTraining}): answers every query on 127.0.0.1, UDP and TCP, with one
 * A record (TTL 3600), or NXDOMAIN for names with an {@code nx} label. Enough for the forwarder, its cache and its
 * health checks to run their real paths; not a DNS server for anything else.
 */
final class TrainingUpstream implements AutoCloseable {

    private static final byte[] ANSWER = {(byte) 0xC0, 12, 0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 4, 10, 0, 0, 1};

    private final DatagramSocket udp;
    private final ServerSocket tcp;

    private TrainingUpstream(DatagramSocket udp, ServerSocket tcp) {
        this.udp = udp;
        this.tcp = tcp;
    }

    static TrainingUpstream start() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        ServerSocket tcp = new ServerSocket(0, 50, loopback);
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, tcp.getLocalPort()));
        TrainingUpstream upstream = new TrainingUpstream(udp, tcp);
        daemon("training-upstream-udp", upstream::serveUdp);
        daemon("training-upstream-tcp", upstream::acceptTcp);
        return upstream;
    }

    int port() {
        return tcp.getLocalPort();
    }

    /** The reply to {@code query}, or null if it is not a query with one question. */
    static byte[] reply(byte[] query, int length) {
        if (length < 17 || (query[2] & 0x80) != 0 || query[4] != 0 || query[5] != 1) {
            return null;
        }
        int end = 12;
        boolean nx = false;
        while (end < length && query[end] != 0) {
            int label = query[end] & 0xFF;
            nx |= label == 2 && end + 2 < length && (query[end + 1] | 0x20) == 'n' && (query[end + 2] | 0x20) == 'x';
            end += label + 1;
        }
        end += 5; // the root label, type and class
        if (end > length) {
            return null;
        }
        ByteBuffer reply = ByteBuffer.allocate(end + (nx ? 0 : ANSWER.length));
        reply.put(query, 0, end);
        reply.put(2, (byte) (0x80 | (query[2] & 0x79))); // QR, opcode and RD kept
        reply.put(3, (byte) (0x80 | (nx ? 3 : 0))); // RA, NXDOMAIN or NOERROR
        reply.putShort(6, (short) (nx ? 0 : 1)).putShort(8, (short) 0).putShort(10, (short) 0);
        if (!nx) {
            reply.put(ANSWER);
        }
        return reply.array();
    }

    private void serveUdp() {
        byte[] buffer = new byte[4096];
        while (!udp.isClosed()) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                udp.receive(packet);
                byte[] reply = reply(buffer, packet.getLength());
                if (reply != null) {
                    udp.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
                }
            } catch (IOException e) {
                // closed, or one bad datagram: the training only needs most answers
            }
        }
    }

    private void acceptTcp() {
        while (!tcp.isClosed()) {
            try {
                Socket connection = tcp.accept();
                daemon("training-upstream-tcp-connection", () -> serveTcp(connection));
            } catch (IOException e) {
                // closed
            }
        }
    }

    private static void serveTcp(Socket connection) {
        try (connection; DataInputStream in = new DataInputStream(connection.getInputStream());
                DataOutputStream out = new DataOutputStream(connection.getOutputStream())) {
            while (true) {
                byte[] query = new byte[in.readUnsignedShort()];
                in.readFully(query);
                byte[] reply = reply(query, query.length);
                if (reply == null) {
                    return;
                }
                out.writeShort(reply.length);
                out.write(reply);
                out.flush();
            }
        } catch (IOException e) {
            // the peer closed the connection
        }
    }

    private static void daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        udp.close();
        tcp.close();
    }
}
