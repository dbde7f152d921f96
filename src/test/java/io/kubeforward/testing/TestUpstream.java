package io.kubeforward.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A real DNS server on loopback (UDP and TCP on the same port) for tests, whose behaviour can be switched
 * while it runs: answer with its own marker address, stay silent, answer SERVFAIL, truncate over UDP,
 * answer late, or send spoofed replies. Counts what it receives per transport.
 */
public final class TestUpstream implements AutoCloseable {

    /** What the server does with the next queries. */
    public enum Mode {
        /** A NOERROR answer: {@code qname A <marker>} with TTL 60. */
        ANSWER,
        /** Read the query, send nothing. */
        SILENT,
        /** Answer SERVFAIL. */
        SERVFAIL,
        /** Answer REFUSED. */
        REFUSED,
        /** Over UDP: an empty answer with TC set. Over TCP: the full answer. */
        TRUNCATE_UDP,
        /** Over UDP: first a reply with the wrong ID, then one with the wrong question, then the real answer. */
        SPOOF_THEN_ANSWER,
        /** Over UDP: only a reply with the wrong ID and one with the wrong question; never the real one. */
        SPOOF_ONLY,
        /** A large answer (40 A records), to exercise truncation towards UDP clients. */
        LARGE,
        /** An answer over 4096 bytes (300 A records, about 4.8 kB), sent whole over UDP too. */
        HUGE,
        /** Over UDP: the right answer, but sent from another socket (another source port). */
        ANSWER_FROM_OTHER_PORT,
        /** NXDOMAIN with the zone's SOA in the authority section (TTL 300, MINIMUM 60). */
        NXDOMAIN,
        /**
         * Garbage instead of an answer, in turn: random bytes; the query's ID with QR set followed by random bytes (it
         * passes the ID check and fails the question check); 5 bytes, shorter than a header. Over TCP: random bytes
         * behind a length prefix.
         */
        GARBAGE,
        /** {@link #ANSWER} and {@link #SILENT} in turn, each for {@link #flapPeriod} (1 s unless set). */
        FLAPPING
    }

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final InetAddress marker;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-upstream");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.ANSWER);
    private final AtomicInteger udpQueries = new AtomicInteger();
    private final AtomicInteger tcpQueries = new AtomicInteger();
    private final AtomicInteger tcpConnections = new AtomicInteger();
    private final AtomicInteger probes = new AtomicInteger();
    private final java.util.concurrent.ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "test-upstream-later");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger garbageTurn = new AtomicInteger();
    private volatile long delayMillis;
    private volatile long flapPeriodNanos = 1_000_000_000L;
    private volatile long flapStartNanos = System.nanoTime();
    private volatile boolean closed;

    /**
     * @param bind   loopback address to listen on (port chosen by the kernel, same for UDP and TCP)
     * @param marker the address this server puts in its A answers, to tell servers apart
     */
    public TestUpstream(InetAddress bind, InetAddress marker) throws IOException {
        this(bind, 0, marker);
    }

    /** @param port the port for UDP and TCP, or 0 for one the kernel picks */
    public TestUpstream(InetAddress bind, int port, InetAddress marker) throws IOException {
        this.marker = marker;
        DatagramSocket u = null;
        ServerSocket t = null;
        for (int attempt = 0; attempt < 20 && t == null; attempt++) {
            u = new DatagramSocket(new InetSocketAddress(bind, port));
            try {
                t = new ServerSocket();
                t.setReuseAddress(true);
                t.bind(new InetSocketAddress(bind, u.getLocalPort()));
            } catch (IOException taken) {
                u.close();
                t = null;
            }
        }
        if (t == null) {
            throw new IOException("no free port pair on " + bind);
        }
        this.udp = u;
        this.tcp = t;
        threads.execute(this::serveUdp);
        threads.execute(this::acceptTcp);
    }

    public static TestUpstream start(String marker) throws IOException {
        return new TestUpstream(InetAddress.getLoopbackAddress(), InetAddress.getByName(marker));
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(udp.getLocalAddress(), udp.getLocalPort());
    }

    public int port() {
        return udp.getLocalPort();
    }

    public InetAddress marker() {
        return marker;
    }

    public TestUpstream mode(Mode mode) {
        if (mode == Mode.FLAPPING) {
            flapStartNanos = System.nanoTime();
        }
        this.mode.set(mode);
        return this;
    }

    /** How long {@link Mode#FLAPPING} answers, then stays silent. */
    public TestUpstream flapPeriod(java.time.Duration period) {
        this.flapPeriodNanos = period.toNanos();
        return this;
    }

    /** The mode in effect now: {@link Mode#FLAPPING} resolves to ANSWER or SILENT. */
    private Mode effectiveMode() {
        Mode current = mode.get();
        if (current != Mode.FLAPPING) {
            return current;
        }
        return ((System.nanoTime() - flapStartNanos) / flapPeriodNanos) % 2 == 0 ? Mode.ANSWER : Mode.SILENT;
    }

    public TestUpstream delay(long millis) {
        this.delayMillis = millis;
        return this;
    }

    public int udpQueries() {
        return udpQueries.get();
    }

    public int tcpQueries() {
        return tcpQueries.get();
    }

    public int queries() {
        return udpQueries.get() + tcpQueries.get();
    }

    /** The distinct source ports UDP queries came from (at most the first 10,000 seen). */
    public java.util.Set<Integer> udpSourcePorts() {
        return java.util.Set.copyOf(udpSourcePorts);
    }

    public int tcpConnections() {
        return tcpConnections.get();
    }

    public void resetCounters() {
        udpQueries.set(0);
        tcpQueries.set(0);
        tcpConnections.set(0);
        probes.set(0);
    }

    private final java.util.Set<Integer> udpSourcePorts = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private void serveUdp() {
        byte[] buffer = new byte[65_535];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
                byte[] query = java.util.Arrays.copyOf(packet.getData(), packet.getLength());
                InetSocketAddress client = (InetSocketAddress) packet.getSocketAddress();
                if (udpSourcePorts.size() < 10_000) {
                    udpSourcePorts.add(client.getPort());
                }
                threads.execute(() -> answerUdp(query, client));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void answerUdp(byte[] wire, InetSocketAddress client) {
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException | RuntimeException ignored) {
            return;
        }
        count(query, udpQueries);
        Mode current = effectiveMode();
        long delay = delayMillis;
        if (delay > 0) {
            // Answered later by a scheduler rather than a sleeping thread: a slow upstream under load holds no threads.
            later.schedule(() -> replyUdp(query, current, client), delay, TimeUnit.MILLISECONDS);
        } else {
            replyUdp(query, current, client);
        }
    }

    private void replyUdp(Message query, Mode current, InetSocketAddress client) {
        try {
            switch (current) {
                case SILENT -> {
                }
                case GARBAGE -> sendUdp(garbage(query.getHeader().getID()), client);
                case SPOOF_THEN_ANSWER, SPOOF_ONLY -> {
                    Message wrongId = answer(query);
                    wrongId.getHeader().setID((query.getHeader().getID() + 1) & 0xFFFF);
                    sendUdp(wrongId.toWire(), client);
                    Message wrongQuestion = answer(query);
                    wrongQuestion.removeAllRecords(Section.QUESTION);
                    wrongQuestion.addRecord(Record.newRecord(Name.fromString("spoofed.example."), Type.A, 1), Section.QUESTION);
                    sendUdp(wrongQuestion.toWire(), client);
                    if (current == Mode.SPOOF_THEN_ANSWER) {
                        sendUdp(answer(query).toWire(), client);
                    }
                }
                case ANSWER_FROM_OTHER_PORT -> {
                    try (DatagramSocket other = new DatagramSocket(new InetSocketAddress(udp.getLocalAddress(), 0))) {
                        byte[] reply = answer(query).toWire();
                        other.send(new DatagramPacket(reply, reply.length, client));
                    }
                }
                case TRUNCATE_UDP -> {
                    Message truncated = new Message(query.getHeader().getID());
                    truncated.getHeader().setFlag(Flags.QR);
                    truncated.getHeader().setFlag(Flags.TC);
                    truncated.addRecord(query.getQuestion(), Section.QUESTION);
                    sendUdp(truncated.toWire(), client);
                }
                default -> sendUdp(reply(query, current).toWire(), client);
            }
        } catch (IOException | RuntimeException ignored) {
            // A test server: malformed input is simply not answered.
        }
    }

    private void sendUdp(byte[] wire, InetSocketAddress client) throws IOException {
        udp.send(new DatagramPacket(wire, wire.length, client));
    }

    private void acceptTcp() {
        while (!closed) {
            try {
                Socket socket = tcp.accept();
                tcpConnections.incrementAndGet();
                threads.execute(() -> serveTcp(socket));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void serveTcp(Socket socket) {
        try (socket; DataInputStream in = new DataInputStream(socket.getInputStream());
                DataOutputStream out = new DataOutputStream(socket.getOutputStream())) {
            while (!closed) {
                int length = in.readUnsignedShort();
                byte[] wire = in.readNBytes(length);
                Message query = new Message(wire);
                count(query, tcpQueries);
                Mode current = effectiveMode();
                sleep();
                if (current == Mode.SILENT || current == Mode.SPOOF_ONLY) {
                    continue;
                }
                byte[] reply = current == Mode.GARBAGE ? garbage(query.getHeader().getID()) : reply(query, current == Mode.TRUNCATE_UDP || current == Mode.SPOOF_THEN_ANSWER ? Mode.ANSWER : current).toWire();
                synchronized (out) {
                    out.writeShort(reply.length);
                    out.write(reply);
                    out.flush();
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // Connection closed by the client or the test.
        }
    }

    /** Health-check probes ({@code . IN NS}) are counted apart from queries. */
    private void count(Message query, AtomicInteger queries) {
        Record question = query.getQuestion();
        boolean probe = question != null && question.getType() == Type.NS && question.getName().equals(Name.root);
        (probe ? probes : queries).incrementAndGet();
    }

    public int probes() {
        return probes.get();
    }

    private Message reply(Message query, Mode current) throws IOException {
        return switch (current) {
            case SERVFAIL -> error(query, Rcode.SERVFAIL);
            case REFUSED -> error(query, Rcode.REFUSED);
            case LARGE -> large(query, 40);
            case HUGE -> large(query, 300);
            case NXDOMAIN -> nxdomain(query);
            default -> answer(query);
        };
    }

    private Message answer(Message query) {
        Message reply = error(query, Rcode.NOERROR);
        Record question = query.getQuestion();
        if (question.getType() == Type.A) {
            reply.addRecord(new ARecord(question.getName(), question.getDClass(), 60, marker), Section.ANSWER);
        }
        return reply;
    }

    private Message nxdomain(Message query) throws IOException {
        Message reply = error(query, Rcode.NXDOMAIN);
        Name zone = Name.fromString("example.org.");
        reply.addRecord(new org.xbill.DNS.SOARecord(zone, org.xbill.DNS.DClass.IN, 300, Name.fromString("ns.example.org."),
                Name.fromString("hostmaster.example.org."), 1, 3600, 600, 86400, 60), Section.AUTHORITY);
        return reply;
    }

    private Message large(Message query, int records) throws IOException {
        Message reply = error(query, Rcode.NOERROR);
        Record question = query.getQuestion();
        for (int i = 1; i <= records; i++) {
            reply.addRecord(new ARecord(question.getName(), question.getDClass(), 60,
                    InetAddress.getByAddress(new byte[] {10, 1, (byte) (i / 256), (byte) i})), Section.ANSWER);
        }
        return reply;
    }

    private static Message error(Message query, int rcode) {
        Message reply = new Message(query.getHeader().getID());
        reply.getHeader().setFlag(Flags.QR);
        reply.getHeader().setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) {
            reply.getHeader().setFlag(Flags.RD);
        }
        reply.getHeader().setRcode(rcode);
        if (query.getQuestion() != null) {
            reply.addRecord(query.getQuestion(), Section.QUESTION);
        }
        if (query.getOPT() != null) {
            reply.addRecord(new org.xbill.DNS.OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        }
        return reply;
    }

    private byte[] garbage(int id) {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        return switch (garbageTurn.getAndIncrement() % 3) {
            case 0 -> {
                byte[] junk = new byte[1 + random.nextInt(100)];
                random.nextBytes(junk);
                yield junk;
            }
            case 1 -> {
                byte[] junk = new byte[12 + random.nextInt(60)];
                random.nextBytes(junk);
                junk[0] = (byte) (id >> 8);
                junk[1] = (byte) id;
                junk[2] |= (byte) 0x80;
                yield junk;
            }
            default -> new byte[] {(byte) (id >> 8), (byte) id, (byte) 0x80, 0, 0};
        };
    }

    private void sleep() {
        long delay = delayMillis;
        if (delay > 0) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stops listening on both transports; the port is free afterwards. */
    @Override
    public void close() {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        threads.shutdownNow();
        later.shutdownNow();
        try {
            threads.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean isClosed() {
        return closed;
    }

    static boolean ignore(SocketException e) {
        return true;
    }
}
