package io.kubeforward.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code dig} (Debian bind9-dnsutils) against a server, for client-side realism. */
public final class Dig {

    private Dig() {
    }

    /** {@code dig @server -p port name type +short [+tcp]}: the answer lines. */
    public static List<String> query(InetSocketAddress server, String name, String type, boolean tcp)
            throws IOException, InterruptedException {
        Path dig = Peers.require("dig", "bind9-dnsutils");
        List<String> command = new ArrayList<>(List.of(dig.toString(), "@" + server.getAddress().getHostAddress(), "-p",
                Integer.toString(server.getPort()), name, type, "+short", "+time=3", "+tries=1"));
        if (tcp) {
            command.add("+tcp");
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("dig did not finish");
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (process.exitValue() != 0) {
            throw new IOException("dig exited " + process.exitValue() + ": " + out);
        }
        return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }
}
