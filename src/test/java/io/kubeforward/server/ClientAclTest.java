package io.kubeforward.server;

import static io.kubeforward.testing.ForwardingFixture.options;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.config.Cidr;
import io.kubeforward.config.ClientAcl;
import io.kubeforward.config.ForwardRule;
import io.kubeforward.config.KubeforwardConfig;
import io.kubeforward.config.ServerBlock;
import io.kubeforward.config.StaticUpstreams;
import io.kubeforward.testing.DnsTestClient;
import io.kubeforward.testing.ForwardingFixture;
import io.kubeforward.testing.TestUpstream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * A block's acl over real sockets: listening on 127.0.0.1 and ::1, only 127.0.0.2 is allowed; clients sending from
 * 127.0.0.2, 127.0.0.3 and ::1 (the loopback interface holds all of 127/8) get an answer or REFUSED, counted.
 */
class ClientAclTest {

    private static final InetAddress ALLOWED = literal("127.0.0.2");
    private static final InetAddress OTHER = literal("127.0.0.3");
    private static final InetAddress V6 = literal("::1");

    private static InetAddress literal(String ip) {
        try {
            return InetAddress.getByName(ip); // an IP literal: no lookup
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(ip, e);
        }
    }

    private static ForwardingFixture start(TestUpstream upstream) {
        ClientAcl acl = new ClientAcl(List.of(new ClientAcl.Rule(true, List.of(Cidr.parse("127.0.0.2"))),
                new ClientAcl.Rule(false, Cidr.ANY)));
        ForwardRule rule = new ForwardRule(".", List.of(), new StaticUpstreams(List.of(ForwardingFixture.address(upstream))),
                options().build());
        ServerBlock block = new ServerBlock(List.of("."), 0, List.of(literal("127.0.0.1"), V6), false, false,
                Optional.of(rule), Optional.empty(), acl);
        return ForwardingFixture.start(new KubeforwardConfig(List.of(block), "test"));
    }

    private static InetSocketAddress listener(ForwardingFixture fixture, InetAddress address) {
        return fixture.listeners().stream().map(BoundListener::address).filter(a -> a.getAddress().equals(address))
                .findFirst().orElseThrow();
    }

    private static int udpRcode(InetAddress from, InetSocketAddress to, String name) throws Exception {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(from, 0))) {
            socket.setSoTimeout(5000);
            byte[] query = DnsTestClient.query(name, Type.A).toWire();
            socket.send(new DatagramPacket(query, query.length, to));
            byte[] buffer = new byte[4096];
            DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
            socket.receive(reply);
            return new Message(Arrays.copyOf(buffer, reply.getLength())).getRcode();
        }
    }

    private static int tcpRcode(InetAddress from, InetSocketAddress to, String name) throws Exception {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(from, 0));
            socket.connect(to, 5000);
            socket.setSoTimeout(5000);
            byte[] query = DnsTestClient.query(name, Type.A).toWire();
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeShort(query.length);
            out.write(query);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            return new Message(in.readNBytes(in.readUnsignedShort())).getRcode();
        }
    }

    @Test
    void onlyTheAllowedSourceIsAnsweredOverUdpAndTcpOthersAreRefusedAndCounted() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1"); ForwardingFixture fixture = start(upstream)) {
            InetSocketAddress v4 = listener(fixture, literal("127.0.0.1"));
            InetSocketAddress v6 = listener(fixture, V6);
            assertThat(udpRcode(ALLOWED, v4, "allowed.example.")).isEqualTo(Rcode.NOERROR);
            assertThat(tcpRcode(ALLOWED, v4, "allowed.example.")).isEqualTo(Rcode.NOERROR);
            assertThat(udpRcode(OTHER, v4, "other.example.")).isEqualTo(Rcode.REFUSED);
            assertThat(tcpRcode(OTHER, v4, "other.example.")).isEqualTo(Rcode.REFUSED);
            assertThat(udpRcode(V6, v6, "v6.example.")).isEqualTo(Rcode.REFUSED);
            assertThat(tcpRcode(V6, v6, "v6.example.")).isEqualTo(Rcode.REFUSED);
            assertThat(upstream.queries()).as("refused queries are not forwarded").isEqualTo(2);
            assertThat(fixture.registry().get("kubeforward.dns.acl.refused").counter().count()).isEqualTo(4);
        }
    }
}
