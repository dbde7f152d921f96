package io.kubeforward.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Steady UDP query load, open loop: queries leave at a fixed rate whatever the answers do, as a node's clients
 * send them, spread over several client sockets so that every listening socket and event loop of the forwarder
 * gets a share. Every query asks a name of its own ({@code q<n>.<zone>} A). Its outcome, as a client sees it:
 * NOERROR within the client timeout (ok), another rcode (failed), or nothing within the client timeout (failed; a
 * stub resolver would have given up or retried). No client retries: a retry would hide failures.
 *
 * <p>Outcomes are counted per {@link Window} by send time, so a scenario reports exactly the queries sent while its
 * fault was in place. Latencies are kept per query (8 bytes each) for exact percentiles.
 */
final class QueryLoad implements AutoCloseable {

    private static final int SOCKETS = 4;
    private static final int IDS = 65_536;
    private static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final InetSocketAddress server;
    private final int qps;
    private final byte[] zone;
    private final long timeoutNanos;
    private final Client[] clients = new Client[SOCKETS];
    private final Thread sender;
    private volatile boolean running = true;
    private volatile boolean sending = true;
    private volatile Window current;

    private QueryLoad(InetSocketAddress server, int qps, String zone, Duration clientTimeout) throws IOException {
        this.server = server;
        this.qps = qps;
        this.zone = wireName(zone);
        this.timeoutNanos = clientTimeout.toNanos();
        this.current = new Window("warm-up");
        for (int i = 0; i < SOCKETS; i++) {
            clients[i] = new Client(i);
        }
        sender = new Thread(this::send, "query-load-sender");
        sender.setDaemon(true);
        sender.start();
    }

    /**
     * Starts sending {@code qps} queries per second for names under {@code zone} (e.g. {@code example.}) to
     * {@code server}; a query not answered within {@code clientTimeout} counts as failed.
     */
    static QueryLoad start(InetSocketAddress server, int qps, String zone, Duration clientTimeout) {
        try {
            return new QueryLoad(server, qps, zone, clientTimeout);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a new window: queries sent from now on count there. */
    Window window(String name) {
        Window next = new Window(name);
        current.endNanos = System.nanoTime();
        current = next;
        return next;
    }

    /**
     * Ends {@code window} (if still current), waits until each of its queries was answered or timed out, and returns
     * its outcome.
     */
    Result finish(Window window) throws InterruptedException {
        if (current == window) {
            window("after " + window.name);
        }
        long settled = window.endNanos + timeoutNanos + 2 * SWEEP_NANOS;
        long wait = settled - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        return window.result();
    }

    /** Sends no more queries; answers to those in flight are still counted. */
    void stopSending() {
        sending = false;
        current.endNanos = System.nanoTime();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        sender.join(5_000);
        for (Client client : clients) {
            client.close();
        }
    }

    private void send() {
        long start = System.nanoTime();
        long sent = 0;
        long lastSweep = start;
        while (running) {
            long now = System.nanoTime();
            long due = (now - start) * qps / 1_000_000_000L;
            if (due - sent > qps) {
                sent = due - qps / 10; // fell behind by more than a second (a pause): no catch-up storm
            }
            while (sent < due && sending) {
                clients[(int) (sent % SOCKETS)].send(sent);
                sent++;
            }
            if (now - lastSweep > SWEEP_NANOS) {
                for (Client client : clients) {
                    client.sweep(now);
                }
                lastSweep = now;
            }
            LockSupport.parkNanos(300_000);
        }
    }

    private static byte[] wireName(String zone) {
        ByteBuffer out = ByteBuffer.allocate(256);
        for (String label : zone.split("\\.")) {
            if (!label.isEmpty()) {
                byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
                out.put((byte) bytes.length).put(bytes);
            }
        }
        out.put((byte) 0);
        return Arrays.copyOf(out.array(), out.position());
    }

    /** One client socket: its queries in flight by ID (send time, 0 when free) and the window each belongs to. */
    private final class Client {
        private final DatagramChannel channel;
        private final AtomicLongArray sentAt = new AtomicLongArray(IDS);
        private final AtomicReferenceArray<Window> windowOf = new AtomicReferenceArray<>(IDS);
        private final ByteBuffer out = ByteBuffer.allocate(512);
        private final Thread receiver;
        private int nextId;

        Client(int index) throws IOException {
            channel = DatagramChannel.open();
            channel.connect(server);
            receiver = new Thread(this::receive, "query-load-receiver-" + index);
            receiver.setDaemon(true);
            receiver.start();
        }

        void send(long sequence) {
            int id = nextId;
            nextId = (nextId + 1) & 0xFFFF;
            Window window = current;
            long previous = sentAt.get(id);
            if (previous != 0 && sentAt.compareAndSet(id, previous, 0)) {
                windowOf.get(id).timedOut(); // still unanswered 65,536 queries later
            }
            out.clear();
            out.putShort((short) id).putShort((short) 0x0100).putShort((short) 1).putShort((short) 0).putInt(0);
            byte[] label = ("q" + sequence).getBytes(StandardCharsets.US_ASCII);
            out.put((byte) label.length).put(label).put(zone).putShort((short) 1).putShort((short) 1);
            out.flip();
            windowOf.set(id, window);
            sentAt.set(id, System.nanoTime());
            window.sent.increment();
            try {
                channel.write(out);
            } catch (PortUnreachableException refused) {
                // an earlier ICMP error reported on this write; the query itself went out or will time out
            } catch (IOException e) {
                if (running) {
                    window.sendErrors.increment();
                }
            }
        }

        void receive() {
            ByteBuffer in = ByteBuffer.allocate(4096);
            while (running) {
                in.clear();
                try {
                    channel.read(in);
                } catch (PortUnreachableException refused) {
                    continue;
                } catch (ClosedChannelException closed) {
                    return;
                } catch (IOException e) {
                    continue;
                }
                long now = System.nanoTime();
                if (in.position() < 12) {
                    continue;
                }
                int id = ((in.get(0) & 0xFF) << 8) | (in.get(1) & 0xFF);
                long sent = sentAt.getAndSet(id, 0);
                if (sent == 0) {
                    continue; // a duplicate, or an answer after we had counted the query as timed out
                }
                windowOf.get(id).answered(in.get(3) & 0x0F, now - sent, timeoutNanos);
            }
        }

        void sweep(long now) {
            for (int id = 0; id < IDS; id++) {
                long sent = sentAt.get(id);
                if (sent != 0 && now - sent > timeoutNanos && sentAt.compareAndSet(id, sent, 0)) {
                    windowOf.get(id).timedOut();
                }
            }
        }

        void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** The queries sent during one phase of a scenario. */
    static final class Window {
        final String name;
        final long startNanos = System.nanoTime();
        volatile long endNanos = Long.MAX_VALUE;
        final LongAdder sent = new LongAdder();
        final LongAdder sendErrors = new LongAdder();
        private final LongAdder timedOut = new LongAdder();
        private final LongAdder late = new LongAdder();
        private final AtomicLongArray rcodes = new AtomicLongArray(16);
        private long[] latencies = new long[1024];
        private int count;

        Window(String name) {
            this.name = name;
        }

        void timedOut() {
            timedOut.increment();
        }

        void answered(int rcode, long latencyNanos, long timeoutNanos) {
            if (latencyNanos > timeoutNanos) {
                late.increment();
                return;
            }
            rcodes.incrementAndGet(rcode);
            synchronized (this) {
                if (count == latencies.length) {
                    latencies = Arrays.copyOf(latencies, count * 2);
                }
                latencies[count++] = latencyNanos;
            }
        }

        synchronized Result result() {
            long total = sent.sum();
            long ok = rcodes.get(0);
            Map<String, Long> failures = new TreeMap<>();
            for (int rcode = 1; rcode < 16; rcode++) {
                if (rcodes.get(rcode) > 0) {
                    failures.put(org.xbill.DNS.Rcode.string(rcode), rcodes.get(rcode));
                }
            }
            if (timedOut.sum() > 0) {
                failures.put("timeout", timedOut.sum());
            }
            if (late.sum() > 0) {
                failures.put("late", late.sum());
            }
            if (sendErrors.sum() > 0) {
                failures.put("send-error", sendErrors.sum());
            }
            long[] sorted = Arrays.copyOf(latencies, count);
            Arrays.sort(sorted);
            long failed = total - ok;
            double seconds = (Math.min(endNanos, System.nanoTime()) - startNanos) / 1e9;
            return new Result(name, total, failed, failures, percentile(sorted, total, 0.50), percentile(sorted, total, 0.99),
                    sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1e6, seconds);
        }

        /** The latency below which {@code q} of all sent queries were answered; infinite if the unanswered reach it. */
        private static double percentile(long[] answeredSorted, long total, double q) {
            long rank = (long) Math.ceil(q * total);
            if (rank == 0 || rank > answeredSorted.length) {
                return Double.POSITIVE_INFINITY;
            }
            return answeredSorted[(int) rank - 1] / 1e6;
        }
    }

    /**
     * What one window's clients saw.
     *
     * @param failures failed queries by reason: an rcode name, {@code timeout}, {@code late} (answered after the client
     *                 timeout), {@code send-error}
     * @param p50Millis over all sent queries; an unanswered query counts as infinitely slow
     */
    record Result(String name, long queries, long failed, Map<String, Long> failures, double p50Millis, double p99Millis,
            double maxMillis, double seconds) {

        long failures(String reason) {
            return failures.getOrDefault(reason, 0L);
        }

        double qps() {
            return queries / seconds;
        }
    }
}
