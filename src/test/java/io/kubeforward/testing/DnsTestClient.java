package io.kubeforward.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** A plain DNS client over real sockets, for tests: one query, one answer (or a timeout). */
public final class DnsTestClient {

    private final InetSocketAddress server;
    private final Duration timeout;

    public DnsTestClient(InetSocketAddress server, Duration timeout) {
        this.server = server;
        this.timeout = timeout;
    }

    public static Message query(String name, int type) {
        try {
            Message query = Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
            query.getHeader().setFlag(Flags.RD);
            return query;
        } catch (IOException e) {
            throw new IllegalArgumentException(name, e);
        }
    }

    public static Message queryWithEdns(String name, int type, int udpSize) {
        Message query = query(name, type);
        query.addRecord(new OPTRecord(udpSize, 0, 0), Section.ADDITIONAL);
        return query;
    }

    public Message udp(String name) throws IOException {
        return udp(query(name, Type.A));
    }

    public Message tcp(String name) throws IOException {
        return tcp(query(name, Type.A));
    }

    /** Sends over UDP and returns the first reply, whatever it is. */
    public Message udp(Message query) throws IOException {
        return new Message(udpRaw(query.toWire()));
    }

    public byte[] udpRaw(byte[] wire) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout((int) timeout.toMillis());
            socket.send(new DatagramPacket(wire, wire.length, server));
            byte[] buffer = new byte[65_535];
            DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
            socket.receive(reply);
            return java.util.Arrays.copyOf(reply.getData(), reply.getLength());
        }
    }

    /** Sends over UDP and returns whether any reply arrived within the timeout. */
    public boolean udpAnswers(byte[] wire) throws IOException {
        try {
            udpRaw(wire);
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    public Message tcp(Message query) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(server, (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            byte[] wire = query.toWire();
            out.writeShort(wire.length);
            out.write(wire);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int length = in.readUnsignedShort();
            return new Message(in.readNBytes(length));
        }
    }
}
