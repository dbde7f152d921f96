package io.kubeforward.config;

import java.util.List;
import java.util.Objects;

/**
 * The whole configuration, immutable. Built once from a Corefile or from Spring properties and never
 * half-applied: a source either yields a complete model or fails with a {@link ConfigException}.
 *
 * @param servers the server blocks, in the order they were declared
 * @param origin  where the configuration came from, for logs ("Corefile /etc/coredns/Corefile" or
 *                "Spring properties kubeforward.servers")
 * @param status  the Corefile's {@code health}, {@code ready} and {@code prometheus} endpoints
 * @param reload  the Corefile's {@code reload} directive, if any block has one
 * @param corefileSha256 SHA-256 (hex) of the Corefile's bytes this model was read from; empty for properties. A
 *                reload compares the file against this, never against what the file holds later
 */
public record KubeforwardConfig(List<ServerBlock> servers, String origin, StatusEndpoints status,
        java.util.Optional<ReloadOptions> reload, java.util.Optional<String> corefileSha256) {

    public KubeforwardConfig(List<ServerBlock> servers, String origin) {
        this(servers, origin, StatusEndpoints.NONE, java.util.Optional.empty());
    }

    public KubeforwardConfig(List<ServerBlock> servers, String origin, StatusEndpoints status) {
        this(servers, origin, status, java.util.Optional.empty());
    }

    public KubeforwardConfig(List<ServerBlock> servers, String origin, StatusEndpoints status,
            java.util.Optional<ReloadOptions> reload) {
        this(servers, origin, status, reload, java.util.Optional.empty());
    }

    public KubeforwardConfig {
        servers = List.copyOf(servers);
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reload, "reload");
        Objects.requireNonNull(corefileSha256, "corefileSha256");
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("at least one server block is required");
        }
    }
}
