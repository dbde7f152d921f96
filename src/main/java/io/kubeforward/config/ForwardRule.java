package io.kubeforward.config;

import java.util.List;
import java.util.Objects;

/**
 * A {@code forward} or {@code kubeforward} directive: which names it forwards, to what, and how.
 *
 * @param from    normalized base domain to forward ({@code "."} for everything in the block's zones)
 * @param except  normalized names (and their subdomains) that are not forwarded
 * @param source  where the upstreams come from
 * @param options the CoreDNS {@code forward} options
 */
public record ForwardRule(String from, List<String> except, UpstreamSource source, ForwardOptions options) {

    public ForwardRule {
        Objects.requireNonNull(from, "from");
        except = List.copyOf(except);
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(options, "options");
    }
}
