package io.kubeforward.config;

import io.kubeforward.config.KubeforwardProperties.Forward;
import java.util.Optional;

/** Applies the option properties of {@code kubeforward.servers[i].forward} to a {@link ForwardOptionsBuilder}. */
final class ForwardOptionsMapping {

    private ForwardOptionsMapping() {
    }

    /** @param path the forward's property path, e.g. {@code kubeforward.servers[0].forward} */
    static void apply(Forward forward, String path, ForwardOptionsBuilder builder) {
        for (int i = 0; i < forward.except().size(); i++) {
            String name = forward.except().get(i);
            check(path + ".except[" + i + "]", () -> builder.addExcept(name));
        }
        builder.forceTcp(forward.forceTcp());
        builder.preferUdp(forward.preferUdp());
        connections(forward, path, builder);
        selection(forward, path, builder);
        slowAnswers(forward, path, builder);
    }

    /** How upstreams are talked to: attempts, timeouts, pooling, TLS, source address. */
    private static void connections(Forward forward, String path, ForwardOptionsBuilder builder) {
        if (forward.maxConnectAttempts() != null) {
            int attempts = forward.maxConnectAttempts();
            check(path + ".max-connect-attempts", () -> builder.maxConnectAttempts(attempts));
        }
        check(path + ".expire", () -> builder.expire(forward.expire()));
        check(path + ".max-age", () -> builder.maxAge(forward.maxAge()));
        check(path + ".max-idle-conns", () -> builder.maxIdleConns(forward.maxIdleConns()));
        readTimeout(forward, path, builder);
        check(path + ".tls", () -> builder.tls(optional(forward.tls().cert()), optional(forward.tls().key()),
                optional(forward.tls().ca())));
        if (!forward.tlsServername().isEmpty()) {
            check(path + ".tls-servername", () -> builder.tlsServerName(forward.tlsServername()));
        }
        if (!forward.sourceAddress().isEmpty()) {
            check(path + ".source-address", () -> builder.sourceAddress(forward.sourceAddress()));
        }
    }

    /** {@code read-timeout}, or the successor plugin's {@code upstream-read-timeout} in a {@code service} block. */
    private static void readTimeout(Forward forward, String path, ForwardOptionsBuilder builder) {
        if (forward.upstreamReadTimeout() != null) {
            if (forward.service() == null) {
                throw new ConfigException(path + ".upstream-read-timeout",
                        "only with service (the kubeforward plugin's name for read-timeout: write read-timeout)");
            }
            if (forward.readTimeout() != null) {
                throw new ConfigException(path + ".upstream-read-timeout",
                        "the same setting as read-timeout (expected: one of the two)");
            }
            check(path + ".upstream-read-timeout", () -> builder.readTimeout(forward.upstreamReadTimeout()));
        } else if (forward.readTimeout() != null) {
            check(path + ".read-timeout", () -> builder.readTimeout(forward.readTimeout()));
        }
    }

    /** Slow answers: counted above {@code slow-threshold}, logged with {@code slow-log}. */
    private static void slowAnswers(Forward forward, String path, ForwardOptionsBuilder builder) {
        check(path + ".slow-threshold", () -> builder.slowThreshold(forward.slowThreshold()));
        builder.slowLog(forward.slowLog());
    }

    /** Which upstream is tried, when one is down, and what is answered then. */
    private static void selection(Forward forward, String path, ForwardOptionsBuilder builder) {
        check(path + ".max-fails", () -> builder.maxFails(forward.maxFails()));
        check(path + ".policy", () -> builder.policy(forward.policy()));
        check(path + ".health-check", () -> builder.healthCheck(forward.healthCheck().interval(),
                !forward.healthCheck().noRec(), forward.healthCheck().domain()));
        check(path + ".max-concurrent", () -> builder.maxConcurrent(forward.maxConcurrent()));
        builder.failfastAllUnhealthyUpstreams(forward.failfastAllUnhealthyUpstreams());
        if (!forward.failover().isEmpty()) {
            check(path + ".failover", () -> builder.failover(forward.failover()));
        }
    }

    private static Optional<String> optional(String text) {
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    private static void check(String location, Runnable action) {
        try {
            action.run();
        } catch (IllegalArgumentException e) {
            // The message is the whole story; not chaining keeps the ConfigException the root cause Spring reports.
            throw new ConfigException(location, e.getMessage());
        }
    }
}
