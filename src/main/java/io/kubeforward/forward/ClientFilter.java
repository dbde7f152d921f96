package io.kubeforward.forward;

import io.kubeforward.config.Cidr;
import io.kubeforward.config.ClientAcl;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A server block's {@link ClientAcl} compiled for the query path: one entry per net, in rule order, as masks over
 * two longs, so that checking a client is a few comparisons. An IPv4 client costs no allocation; an IPv6 client one
 * copy of its 16 address bytes (32 bytes of heap), which the JDK offers no way around. Refusals are counted.
 */
public final class ClientFilter {

    /** No acl: every client is answered, nothing is counted. */
    public static final ClientFilter ALLOW_ALL = new ClientFilter(ClientAcl.ALLOW_ALL, null);

    private final boolean[] allow;
    private final boolean[] ipv4;
    private final long[] networkHigh;
    private final long[] networkLow;
    private final long[] maskHigh;
    private final long[] maskLow;
    private final Counter refused;

    private ClientFilter(ClientAcl acl, Counter refused) {
        List<Cidr> nets = new ArrayList<>();
        List<Boolean> actions = new ArrayList<>();
        for (ClientAcl.Rule rule : acl.rules()) {
            for (Cidr net : rule.nets()) {
                nets.add(net);
                actions.add(rule.allow());
            }
        }
        int n = nets.size();
        allow = new boolean[n];
        ipv4 = new boolean[n];
        networkHigh = new long[n];
        networkLow = new long[n];
        maskHigh = new long[n];
        maskLow = new long[n];
        for (int i = 0; i < n; i++) {
            Cidr net = nets.get(i);
            allow[i] = actions.get(i);
            ipv4[i] = net.isIpv4();
            long[] address = bits(net.network().getAddress());
            long[] mask = mask(net.prefixLength(), ipv4[i]);
            networkHigh[i] = address[0];
            networkLow[i] = address[1];
            maskHigh[i] = mask[0];
            maskLow[i] = mask[1];
        }
        this.refused = refused;
    }

    /**
     * The filter of one server block; its refusals counted as {@code kubeforward_dns_acl_refused_total{server,zone}}.
     */
    public static ClientFilter of(ClientAcl acl, MeterRegistry registry, String server, String zone) {
        if (acl.isEmpty()) {
            return ALLOW_ALL;
        }
        return new ClientFilter(acl, Counter.builder("kubeforward.dns.acl.refused")
                .description("Queries answered REFUSED because the client's address is blocked by the block's acl")
                .tag("server", server).tag("zone", zone).register(registry));
    }

    /** Whether {@code client} may be answered; counts it when not. */
    public boolean allows(SocketAddress client) {
        if (allow.length == 0) {
            return true;
        }
        InetAddress address = ((InetSocketAddress) client).getAddress();
        boolean v4 = address instanceof Inet4Address;
        long high;
        long low;
        if (v4) {
            high = 0;
            low = address.hashCode() & 0xFFFF_FFFFL; // Inet4Address's hash code is its address: no copy of the bytes
        } else {
            byte[] bytes = address.getAddress(); // the JDK has no way to read IPv6 bytes without this 16-byte copy
            high = longAt(bytes, 0);
            low = longAt(bytes, 8);
            if (high == 0 && low >>> 32 == 0xFFFF) { // ::ffff:a.b.c.d, an IPv4 client on a dual-stack socket
                v4 = true;
                low &= 0xFFFF_FFFFL;
            }
        }
        for (int i = 0; i < allow.length; i++) {
            if (ipv4[i] == v4 && (high & maskHigh[i]) == networkHigh[i] && (low & maskLow[i]) == networkLow[i]) {
                return allowed(allow[i]);
            }
        }
        return true;
    }

    private boolean allowed(boolean allowed) {
        if (!allowed) {
            refused.increment();
        }
        return allowed;
    }

    private static long[] bits(byte[] address) {
        return address.length == 4
                ? new long[] {0, ((address[0] & 0xFFL) << 24) | ((address[1] & 0xFFL) << 16) | ((address[2] & 0xFFL) << 8) | (address[3] & 0xFFL)}
                : new long[] {longAt(address, 0), longAt(address, 8)};
    }

    private static long[] mask(int prefix, boolean v4) {
        if (v4) {
            return new long[] {0, prefix == 0 ? 0 : (0xFFFF_FFFFL << (32 - prefix)) & 0xFFFF_FFFFL};
        }
        long high = prefix == 0 ? 0 : prefix >= 64 ? -1L : -1L << (64 - prefix);
        long low = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
        return new long[] {high, low};
    }

    private static long longAt(byte[] bytes, int from) {
        long value = 0;
        for (int i = from; i < from + 8; i++) {
            value = (value << 8) | (bytes[i] & 0xFF);
        }
        return value;
    }
}
