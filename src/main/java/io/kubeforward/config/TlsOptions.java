package io.kubeforward.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code tls [CERT KEY [CA]]}: client certificate and the CA used to verify upstreams.
 *
 * @param certificate client certificate (PEM), with {@code key}
 * @param key         client private key (PEM)
 * @param ca          CA bundle to trust; empty = the JVM's default trust store
 */
public record TlsOptions(Optional<Path> certificate, Optional<Path> key, Optional<Path> ca) {

    public TlsOptions {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(ca, "ca");
        if (certificate.isPresent() != key.isPresent()) {
            throw new IllegalArgumentException("tls: a client certificate needs its key");
        }
    }
}
