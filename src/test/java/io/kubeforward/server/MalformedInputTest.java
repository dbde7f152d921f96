package io.kubeforward.server;

import static io.kubeforward.testing.ForwardingFixture.options;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubeforward.testing.DnsTestClient;
import io.kubeforward.testing.ForwardingFixture;
import io.kubeforward.testing.TestUpstream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.net.Socket;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/** Malformed client input over real sockets: an error code or silence, and the server keeps answering. */
class MalformedInputTest {

    @Test
    void malformedUdpQueriesGetFormerrOrAreDroppedAndServingContinues() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = ForwardingFixture.start(options().build(), upstream)) {
            DnsTestClient client = fixture.client(Duration.ofMillis(500));
            assertThat(client.udpAnswers(HexFormat.of().parseHex("0001"))).as("2 bytes: dropped").isFalse();
            Message formerr = new Message(client.udpRaw(HexFormat.of().parseHex("abcd01000002000000000000016100000100010162000001000100")));
            assertThat(formerr.getRcode()).isEqualTo(Rcode.FORMERR);
            assertThat(formerr.getHeader().getID()).isEqualTo(0xabcd);
            Message notimp = new Message(client.udpRaw(HexFormat.of().parseHex("abce2800000100000000000001610000060001")));
            assertThat(notimp.getRcode()).isEqualTo(Rcode.NOTIMP);
            assertThat(fixture.client().udp("still.example.").getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(fixture.registry().get("kubeforward.dns.malformed").tag("proto", "udp").counter().count()).isEqualTo(3);
            assertThat(upstream.queries()).isEqualTo(1);
        }
    }

    @Test
    void malformedTcpFrameGetsFormerrAndTheConnectionKeepsWorking() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = ForwardingFixture.start(options().build(), upstream);
                Socket socket = new Socket(fixture.address().getAddress(), fixture.address().getPort())) {
            socket.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] bad = HexFormat.of().parseHex("1234010000010000000000000561626300");
            out.writeShort(bad.length);
            out.write(bad);
            byte[] good = DnsTestClient.query("ok.example.", 1).toWire();
            out.writeShort(good.length);
            out.write(good);
            out.flush();
            Message first = new Message(in.readNBytes(in.readUnsignedShort()));
            Message second = new Message(in.readNBytes(in.readUnsignedShort()));
            assertThat(first.getRcode()).isEqualTo(Rcode.FORMERR);
            assertThat(second.getRcode()).isEqualTo(Rcode.NOERROR);
        }
    }

    @Test
    void tcpLengthPrefixThatLiesEndsOnlyThatConnection() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("10.0.0.1");
                ForwardingFixture fixture = ForwardingFixture.start(options().build(), upstream)) {
            try (Socket socket = new Socket(fixture.address().getAddress(), fixture.address().getPort())) {
                socket.setSoTimeout(15_000);
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                out.writeShort(500);
                out.write(new byte[20]);
                out.flush();
                socket.shutdownOutput();
                // The frame can never complete: the server closes the connection.
                assertThat(socket.getInputStream().read()).isEqualTo(-1);
            } catch (EOFException expected) {
                // closed as well
            }
            assertThat(fixture.client().tcp("after.example.").getRcode()).isEqualTo(Rcode.NOERROR);
        }
    }
}
