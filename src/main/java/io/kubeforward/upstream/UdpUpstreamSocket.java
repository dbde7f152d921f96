package io.kubeforward.upstream;

import io.kubeforward.dns.DnsHeader;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * One connected UDP socket from one event loop to one upstream. The kernel picks a random ephemeral
 * source port when it is opened; each query gets a random unused 16-bit ID. A reply is relayed only if
 * it comes from the upstream's address and port, carries an ID in flight and answers that query's
 * question; anything else is counted and dropped. Confined to its event loop.
 */
@ChannelHandler.Sharable
final class UdpUpstreamSocket extends ChannelInboundHandlerAdapter {

    /** In-flight queries per socket; with random IDs this keeps a free ID a few draws away. */
    static final int MAX_IN_FLIGHT = 16_384;
    private static final int MAX_ID_DRAWS = 16;
    private static final int RECEIVE_BUFFER = 65_535;
    /**
     * With epoll, replies are read with recvmmsg, up to {@link #REPLY_SLOTS} per call, each into a slot of this
     * many bytes: one more than the largest reply taken whole. A reply that fills its slot was cut by the kernel:
     * it is relayed as header and question with TC set, so the query is asked again over TCP (by us with
     * prefer_udp, else by the client), as for any reply too large for UDP.
     */
    static final int REPLY_SLOT = 4_097;
    /**
     * Source-port rotation: after this many queries, or {@link #PORT_LIFETIME_NANOS}, the next query goes out from a
     * new socket, whose ephemeral port the kernel picks at random. A spoofer must then guess a port that changes
     * every thousand queries besides the random ID; the old socket stays open for the answers it is owed.
     */
    static final int QUERIES_PER_PORT = 1_000;
    static final long PORT_LIFETIME_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int REPLY_SLOTS = 8;
    private static final int FLUSH_BATCH = 64;

    private final InetSocketAddress upstream;
    private final EventLoop loop;
    private final RandomGenerator random;
    private final UpstreamCounters counters;
    private final IntObjectHashMap<PendingExchange> inFlight = new IntObjectHashMap<>();
    private Channel channel;
    /** The previous socket after a rotation, open until the answers to the queries it sent are in. */
    private Channel retiring;
    private int currentInFlight;
    private int retiringInFlight;
    private int sentOnCurrent;
    private long openedNanos;
    /** Whether replies arrive in slots of {@link #REPLY_SLOT} bytes (recvmmsg), so a full slot means cut. */
    private boolean slotted;

    UdpUpstreamSocket(InetSocketAddress upstream, EventLoop loop, RandomGenerator random, UpstreamCounters counters) {
        this.upstream = upstream;
        this.loop = loop;
        this.random = random;
        this.counters = counters;
    }

    /**
     * Sends {@code query} (its ID is overwritten) and calls {@code listener} once with the outcome.
     * Must run on this socket's event loop.
     */
    void exchange(ByteBuf query, int questionEnd, long timeoutNanos, ExchangeListener listener,
            ChannelFactory<DatagramChannel> channels, Optional<InetAddress> sourceAddress) {
        if (channel != null && retiring == null && channel.isActive()
                && (sentOnCurrent >= QUERIES_PER_PORT || System.nanoTime() - openedNanos >= PORT_LIFETIME_NANOS)) {
            retireCurrent();
        }
        if (channel == null || !channel.isActive()) {
            if (!open(channels, sourceAddress)) {
                listener.onFailure(ExchangeFailure.CONNECTION_REFUSED);
                return;
            }
        }
        if (inFlight.size() >= MAX_IN_FLIGHT) {
            listener.onFailure(ExchangeFailure.OVERLOADED);
            return;
        }
        int id = freeId();
        if (id < 0) {
            listener.onFailure(ExchangeFailure.OVERLOADED);
            return;
        }
        DnsHeader.setId(query, id);
        PendingExchange pending = new PendingExchange(id, query, questionEnd, listener, System.nanoTime());
        pending.sentOn = channel;
        inFlight.put(id, pending);
        currentInFlight++;
        sentOnCurrent++;
        pending.timeout(loop.schedule(() -> expire(pending), timeoutNanos, TimeUnit.NANOSECONDS), pending.startNanos + timeoutNanos);
        channel.writeAndFlush(new DatagramPacket(query.retainedDuplicate(), upstream)).addListener(f -> {
            if (!f.isSuccess() && inFlight.remove(pending.upstreamId, pending)) {
                settled(pending);
                pending.fail(ExchangeFailure.WRITE_FAILED);
            }
        });
    }

    /** Moves the current socket aside: it keeps receiving for its queries in flight and closes after the last. */
    private void retireCurrent() {
        if (currentInFlight == 0) {
            closeChannel();
        } else {
            retiring = channel;
            retiringInFlight = currentInFlight;
            channel = null;
        }
        currentInFlight = 0;
    }

    /** Bookkeeping once {@code pending} left {@link #inFlight}. */
    private void settled(PendingExchange pending) {
        if (pending.sentOn == channel) {
            currentInFlight--;
        } else if (pending.sentOn == retiring && --retiringInFlight == 0) {
            retiring.close();
            retiring = null;
        }
    }

    private boolean open(ChannelFactory<DatagramChannel> channels, Optional<InetAddress> sourceAddress) {
        closeChannel();
        DatagramChannel created = channels.newChannel();
        if (created instanceof EpollDatagramChannel) {
            created.config().setOption(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, REPLY_SLOT);
            created.config().setOption(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(REPLY_SLOT * REPLY_SLOTS));
            slotted = true;
        } else {
            created.config().setOption(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(RECEIVE_BUFFER));
            slotted = false;
        }
        // Queries sent in one pass of the event loop leave in one sendmmsg call.
        created.pipeline().addLast(new FlushConsolidationHandler(FLUSH_BATCH, true), this);
        // On our own loop these complete inline: registration, bind and a UDP connect need no round trip.
        ChannelFuture registered = loop.register(created);
        if (!registered.isSuccess()) {
            created.close();
            return false;
        }
        if (sourceAddress.isPresent() && !created.bind(new InetSocketAddress(sourceAddress.get(), 0)).isSuccess()) {
            created.close();
            return false;
        }
        ChannelFuture connected = created.connect(upstream);
        if (!connected.isSuccess()) {
            created.close();
            return false;
        }
        channel = created;
        sentOnCurrent = 0;
        openedNanos = System.nanoTime();
        return true;
    }

    private int freeId() {
        for (int i = 0; i < MAX_ID_DRAWS; i++) {
            int id = random.nextInt(65_536);
            if (!inFlight.containsKey(id)) {
                return id;
            }
        }
        return -1;
    }

    private void expire(PendingExchange pending) {
        if (inFlight.remove(pending.upstreamId, pending)) {
            settled(pending);
            pending.fail(ExchangeFailure.TIMEOUT);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ByteBuf reply = packet.content();
        boolean relayed = false;
        try {
            if (!upstream.equals(packet.sender()) || reply.readableBytes() < DnsHeader.LENGTH) {
                counters.rejectedReply();
                return;
            }
            // The answer must arrive on the socket its query left from (after a rotation two are open).
            PendingExchange pending = inFlight.get(DnsHeader.id(reply));
            if (pending == null || pending.sentOn != ctx.channel() || !pending.isAnsweredBy(reply)) {
                counters.rejectedReply();
                return;
            }
            inFlight.remove(pending.upstreamId);
            settled(pending);
            if (slotted && reply.readableBytes() >= REPLY_SLOT) {
                counters.oversizedReply();
                truncateToQuestion(reply, pending.questionEnd());
            }
            relayed = pending.succeed(reply);
        } finally {
            if (!relayed) {
                packet.release();
            }
        }
    }

    /** Keeps header and question, sets TC and zero counts for the other sections: a valid "too large" reply. */
    private static void truncateToQuestion(ByteBuf reply, int questionEnd) {
        int base = reply.readerIndex();
        reply.writerIndex(base + questionEnd);
        reply.setShort(base + 2, DnsHeader.flags(reply) | DnsHeader.FLAG_TC);
        reply.setShort(base + 6, 0);
        reply.setShort(base + 8, 0);
        reply.setShort(base + 10, 0);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ctx.channel() != channel) {
            return;
        }
        // ICMP port unreachable (ECONNREFUSED on a connected socket): nobody listens there. Fail what is in
        // flight at once rather than wait for timeouts, so the forwarder moves on to the next upstream.
        failAll(ExchangeFailure.CONNECTION_REFUSED);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ctx.channel() != channel) {
            return;
        }
        failAll(ExchangeFailure.CONNECTION_CLOSED);
    }

    private void failAll(ExchangeFailure failure) {
        if (inFlight.isEmpty()) {
            return;
        }
        List<PendingExchange> all = new ArrayList<>(inFlight.values());
        inFlight.clear();
        currentInFlight = 0;
        retiringInFlight = 0;
        if (retiring != null) {
            retiring.close();
            retiring = null;
        }
        for (PendingExchange pending : all) {
            pending.fail(failure);
        }
    }

    /** Closes the socket; queries in flight fail with {@link ExchangeFailure#REMOVED}. Event loop only. */
    void close() {
        failAll(ExchangeFailure.REMOVED);
        closeChannel();
    }

    private void closeChannel() {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    int inFlightCount() {
        return inFlight.size();
    }

    /** The local port the kernel chose, for tests and diagnostics; 0 when closed. */
    int localPort() {
        return channel == null ? 0 : ((InetSocketAddress) channel.localAddress()).getPort();
    }
}
