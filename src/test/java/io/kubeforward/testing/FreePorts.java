package io.kubeforward.testing;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Loopback ports for a process the test starts itself (which cannot be told to pick port 0 and report it). */
public final class FreePorts {

    private FreePorts() {
    }

    /** A port free on 127.0.0.1 for both UDP and TCP at the time of the call. */
    public static int udpAndTcp() throws IOException {
        for (int i = 0; i < 50; i++) {
            try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                    ServerSocket tcp = new ServerSocket(udp.getLocalPort(), 1, InetAddress.getLoopbackAddress())) {
                return udp.getLocalPort();
            } catch (BindException taken) {
                // the TCP side of that port is taken: try another
            }
        }
        throw new IllegalStateException("no free port");
    }
}
