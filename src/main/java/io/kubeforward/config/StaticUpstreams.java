package io.kubeforward.config;

import java.util.List;

/**
 * Upstreams listed in the configuration (addresses, or resolv.conf files read when the config is loaded).
 *
 * @param upstreams the upstreams, in declaration order, without duplicates; 1 to 15 of them (as CoreDNS)
 */
public record StaticUpstreams(List<UpstreamAddress> upstreams) implements UpstreamSource {

    public static final int MAX_UPSTREAMS = 15;

    public StaticUpstreams {
        upstreams = List.copyOf(upstreams);
        if (upstreams.isEmpty()) {
            throw new IllegalArgumentException("at least one upstream is required");
        }
        if (upstreams.size() > MAX_UPSTREAMS) {
            throw new IllegalArgumentException("more than " + MAX_UPSTREAMS + " upstreams: " + upstreams.size());
        }
    }

    @Override
    public String describe() {
        return "static";
    }
}
