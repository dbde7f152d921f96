package io.kubeforward.testing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.stream.Stream;

/**
 * The JVM's name resolver in tests: the built-in one, except on a thread inside {@link #forbid}, where a lookup
 * fails at once and is recorded instead of reaching /etc/hosts or the resolv.conf nameserver. Fuzz targets run
 * configuration parsing inside it, so random input can never send a DNS query and "never resolves names" is a
 * checked property. Registered in src/test/resources/META-INF/services.
 */
public final class LookupGuard extends InetAddressResolverProvider {

    private static final ThreadLocal<String[]> FORBIDDEN = new ThreadLocal<>();

    /** Runs {@code action}; returns the first name it tried to resolve, or null when it resolved none. */
    public static String forbid(Runnable action) {
        String[] attempt = new String[1];
        FORBIDDEN.set(attempt);
        try {
            action.run();
        } finally {
            FORBIDDEN.remove();
        }
        return attempt[0];
    }

    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver builtin = configuration.builtinResolver();
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                refuse(host);
                return builtin.lookupByName(host, policy);
            }

            @Override
            public String lookupByAddress(byte[] addr) throws UnknownHostException {
                refuse("reverse lookup");
                return builtin.lookupByAddress(addr);
            }
        };
    }

    private static void refuse(String what) throws UnknownHostException {
        String[] attempt = FORBIDDEN.get();
        if (attempt != null) {
            if (attempt[0] == null) {
                attempt[0] = what;
            }
            throw new UnknownHostException(what + ": name lookups are forbidden here (LookupGuard)");
        }
    }

    @Override
    public String name() {
        return "kubeforward-test-lookup-guard";
    }
}
